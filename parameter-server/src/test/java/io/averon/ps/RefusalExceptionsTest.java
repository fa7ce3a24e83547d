package io.averon.ps;

import io.averon.ps.protocol.Refusal;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/** The client's choice of exception for a REFUSED: by its code alone (no Aeron). */
@Tag("fast")
class RefusalExceptionsTest {

    private static final String SERVER = "parameter server at host:7000";

    @Test
    void shouldMapRoundFailedAndWrongRoundToRoundFailedException() {
        for (Refusal code : new Refusal[] {Refusal.ROUND_FAILED, Refusal.WRONG_ROUND}) {
            ParameterServerException e = RefusalExceptions.of(code, SERVER, "round 3", "round 3 timed out");
            assertEquals(RoundFailedException.class, e.getClass(), code.name());
            assertEquals("parameter server at host:7000: round 3 timed out", e.getMessage());
        }
    }

    @Test
    void shouldMapBusyToServerBusyException() {
        ParameterServerException e = RefusalExceptions.of(Refusal.BUSY, SERVER, "join", "another run is live");
        assertInstanceOf(ServerBusyException.class, e);
        assertEquals("parameter server at host:7000 refused join: another run is live", e.getMessage());
    }

    @Test
    void shouldMapEveryOtherCodeAndAnUnknownOneToParameterServerException() {
        for (Refusal code : Refusal.values()) {
            if (code != Refusal.ROUND_FAILED && code != Refusal.WRONG_ROUND && code != Refusal.BUSY) {
                ParameterServerException e = RefusalExceptions.of(code, SERVER, "join", "why");
                assertEquals(ParameterServerException.class, e.getClass(), code.name());
                assertEquals("parameter server at host:7000 refused join: why", e.getMessage());
            }
        }
        assertEquals(ParameterServerException.class, RefusalExceptions.of(null, SERVER, "join", "?").getClass(),
                "a code this client does not know");
    }

    @Test
    void shouldChooseByCodeNotByText() {
        ParameterServerException e = RefusalExceptions.of(Refusal.MODEL_MISMATCH, SERVER, "join",
                "ROUND_FAILED: the parameter server is serving another training run");
        assertEquals(ParameterServerException.class, e.getClass());
        assertInstanceOf(RoundFailedException.class,
                RefusalExceptions.of(Refusal.ROUND_FAILED, SERVER, "round 1", "model mismatch"));
    }
}
