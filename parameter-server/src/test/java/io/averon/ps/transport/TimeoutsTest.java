package io.averon.ps.transport;

import io.averon.ps.round.RoundSettings;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every timeout is set explicitly where it acts and named in the line logged at start. */
class TimeoutsTest {

    @Test
    void shouldRunTheMediaDriverAndItsClientWithTheNamedTimeoutsNotAeronsDefaults() {
        try (EmbeddedMediaDriver driver = EmbeddedMediaDriver.launch("timeouts")) {
            var context = driver.mediaDriverContext();
            assertEquals(ms(Timeouts.PUBLICATION_CONNECTION_MS), context.publicationConnectionTimeoutNs());
            assertEquals(ms(Timeouts.IMAGE_LIVENESS_MS), context.imageLivenessTimeoutNs());
            assertEquals(ms(Timeouts.CLIENT_LIVENESS_MS), context.clientLivenessTimeoutNs());
            assertEquals(ms(Timeouts.PUBLICATION_UNBLOCK_MS), context.publicationUnblockTimeoutNs());
            assertEquals(Timeouts.CLIENT_LIVENESS_MS, driver.aeron().context().driverTimeoutMs());
        }
    }

    @Test
    void shouldNameEveryTimeoutOfTheRoundsInOneLine() {
        String line = Timeouts.describe(RoundSettings.builder().expectedWorkers(4).roundTimeoutMs(20_000)
                .heartbeatTimeoutMs(5_000).build());
        for (String named : new String[] {"round 20 s after its first contribution", "heartbeat 5 s (quorum 3 of 4)",
                "a worker's wait for a result", "disconnected grace 10 s", "Aeron publication connection 5 s",
                "image liveness 10 s", "client liveness 60 s", "publication unblock 75 s", "pending join 30 s",
                "MTU verdict 2 s"}) {
            assertTrue(line.contains(named), "'" + named + "' in: " + line);
        }
        assertEquals("0.5 s", Timeouts.seconds(500));
    }

    private static long ms(long millis) {
        return TimeUnit.MILLISECONDS.toNanos(millis);
    }
}
