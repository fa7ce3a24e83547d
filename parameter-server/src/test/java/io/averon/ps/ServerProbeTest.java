package io.averon.ps;

import io.averon.ps.transport.Ports;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ServerProbeTest {

    @Test
    void shouldPassWhenTheServerRunsAndNameHostAndPortWhenNothingListens() {
        int port = Ports.freeUdpPortPair();
        try (ParameterServer server = ParameterServer.start(PsTestSupport.server(port, 2, 10).build())) {
            ServerProbe.check("127.0.0.1", port, "127.0.0.1", "test-job", PsTestSupport.SECRET, 5_000);
            assertEquals(0, server.counters().admittedSessions(), "a probe leaves no state behind");
        }

        int nobody = Ports.freeUdpPortPair();
        long start = System.nanoTime();
        ParameterServerUnreachableException e = assertThrows(ParameterServerUnreachableException.class,
                () -> ServerProbe.check("127.0.0.1", nobody, "127.0.0.1", "test-job", PsTestSupport.SECRET, 1_500));
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals("parameter server 127.0.0.1:" + nobody + " is unreachable from 127.0.0.1 (no answer of job test-job"
                + " on UDP port " + (nobody + 1) + " within 1500 ms: does it serve this job, with the same secret?)",
                e.getMessage());
        assertTrue(ms >= 1_500 && ms < 10_000, "gave up after " + ms + " ms");
    }
}
