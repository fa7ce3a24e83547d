package io.averon.ps;

import io.averon.ps.transport.EmbeddedMediaDriver;
import io.averon.ps.transport.Ports;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A worker that computes (reads nothing) for longer than its media driver's image liveness, while
 * its round closes and a relaunched worker joins and fetches the global vector, still receives its
 * round's result, exactly, and the run goes on. Real Aeron over UDP on loopback, a model the size
 * of the mlp preset with Adam state (2.4 MB).
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ParameterServerSlowReaderTest {

    private static final int PARAMETERS = 610_590;
    private static final int WORKERS = 3;
    /** The slow worker's media driver drops an image after this much silence (Aeron's default is 10 s). */
    private static final String IMAGE_LIVENESS = "2s";
    private static final long NOT_READING_MS = 6_000;
    private static final int TERM_LENGTH = 128 * 1024;

    @Test
    void shouldDeliverTheRoundsResultToAWorkerThatReadNothingForLongerThanTheImageLivenessWhileAnotherJoined()
            throws Exception {
        int port = Ports.freeUdpPortPair();
        ServerContext serverContext = PsTestSupport.server(port, WORKERS, PARAMETERS)
                .mtu(Ports.DEFAULT_MTU_BYTES, TERM_LENGTH).build();
        ExecutorService pool = Executors.newFixedThreadPool(WORKERS);
        try (ParameterServer server = ParameterServer.start(serverContext);
             EmbeddedMediaDriver others = EmbeddedMediaDriver.launch("test-others");
             EmbeddedMediaDriver slowDriver = launchWithImageLiveness(IMAGE_LIVENESS);
             ParameterServerClient slow = ParameterServerClient.connect(client(port, 2, 0, slowDriver.directory()))) {
            Future<?> firstJoin = pool.submit(() -> {
                try (ParameterServerClient c0 = ParameterServerClient.connect(client(port, 0, 0, others.directory()))) {
                    assertEquals(0, c0.join());
                    assertRound(c0, 0, 1);
                    assertRound(c0, 0, 2);
                }
                return null;
            });
            Future<?> doomed = pool.submit(() -> {
                // worker 1's first attempt: it completes round 1, then its task is "killed" (closed without LEAVE
                // would look the same to the others; close sends LEAVE, and the relaunch below joins again)
                try (ParameterServerClient c1 = ParameterServerClient.connect(client(port, 1, 0, others.directory()))) {
                    assertEquals(0, c1.join());
                    assertRound(c1, 1, 1);
                }
                return null;
            });
            assertEquals(0, slow.join());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            slow.push(1, PsTestSupport.contribution(1, 2, PARAMETERS), PARAMETERS, PsTestSupport.samples(1, 2), false,
                    deadline);
            doomed.get(60, TimeUnit.SECONDS); // round 1 closed: its result is on its way to the slow worker too
            // worker 1 relaunched: it resumes from round 1's global vector while the slow worker still reads nothing
            Future<?> relaunched = pool.submit(() -> {
                try (ParameterServerClient c1 = ParameterServerClient.connect(client(port, 1, 1, others.directory()))) {
                    ParameterServerClient.Joined joined = c1.join(true);
                    assertEquals(1, joined.round());
                    assertArrayEquals(PsTestSupport.weightedMean(1, WORKERS, PARAMETERS),
                            Arrays.copyOf(joined.global().values(), joined.global().count()), "the relaunch's global");
                    assertRound(c1, 1, 2);
                }
                return null;
            });
            long slept = System.nanoTime();
            Thread.sleep(NOT_READING_MS);
            assertTrue(System.nanoTime() - slept >= TimeUnit.MILLISECONDS.toNanos(NOT_READING_MS),
                    "the slow worker read nothing for " + NOT_READING_MS + " ms");
            ParameterServerClient.Averaged first = slow.awaitAveraged(1, deadline);
            assertArrayEquals(PsTestSupport.weightedMean(1, WORKERS, PARAMETERS),
                    Arrays.copyOf(first.values(), first.count()), "round 1 as the slow worker received it");
            assertRound(slow, 2, 2);
            firstJoin.get(60, TimeUnit.SECONDS);
            relaunched.get(60, TimeUnit.SECONDS);
            assertEquals(2, server.counters().roundsClosed());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void shouldFailNamingTheWorkerAndRoundNotUnreachableWhenTheResultDoesNotComeInTime() throws Exception {
        int port = Ports.freeUdpPortPair();
        try (ParameterServer server = ParameterServer.start(PsTestSupport.server(port, 2, 1000).build());
             EmbeddedMediaDriver driver = EmbeddedMediaDriver.launch("test-late");
             ParameterServerClient pushing = ParameterServerClient.connect(
                     PsTestSupport.client(port, 0, 1000, driver.directory()).build());
             ParameterServerClient idle = ParameterServerClient.connect(
                     PsTestSupport.client(port, 1, 1000, driver.directory()).build())) {
            assertEquals(0, pushing.join());
            assertEquals(0, idle.join()); // joined and heartbeating, but it never pushes round 1
            long started = System.nanoTime();
            RoundFailedException failure = org.junit.jupiter.api.Assertions.assertThrows(RoundFailedException.class,
                    () -> pushing.pushAndAwait(1, new float[1000], 1000, 5, 2_000));
            long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            assertTrue(waitedMs >= 2_000 && waitedMs < 6_000, "gave up after its wait: " + waitedMs + " ms");
            assertTrue(failure.getMessage().startsWith("worker 0 did not receive the result of round 1 from parameter "
                    + "server at 127.0.0.1:" + port), failure.getMessage());
            assertTrue(failure.getMessage().contains("the server is connected"), failure.getMessage());
            assertEquals(0, server.counters().roundsClosed(), "the round never closed");
        }
    }

    private static ClientContext client(int port, int worker, int attempt, String aeronDirectory) {
        return PsTestSupport.client(port, worker, PARAMETERS, aeronDirectory).worker(worker, attempt)
                .mtu(Ports.DEFAULT_MTU_BYTES, TERM_LENGTH).build();
    }

    private static void assertRound(ParameterServerClient client, int worker, long round) {
        ParameterServerClient.Averaged result = client.pushAndAwait(round, PsTestSupport.contribution(round, worker,
                PARAMETERS), PARAMETERS, PsTestSupport.samples(round, worker), 60_000);
        assertArrayEquals(PsTestSupport.weightedMean(round, WORKERS, PARAMETERS),
                Arrays.copyOf(result.values(), result.count()), "round " + round + " at worker " + worker);
    }

    private static EmbeddedMediaDriver launchWithImageLiveness(String timeout) {
        String key = "aeron.image.liveness.timeout";
        String previous = System.getProperty(key);
        System.setProperty(key, timeout);
        try {
            return EmbeddedMediaDriver.launch("test-slow");
        } finally {
            if (previous == null) {
                System.clearProperty(key);
            } else {
                System.setProperty(key, previous);
            }
        }
    }
}
