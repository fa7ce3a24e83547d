package io.averon.ps;

import io.averon.ps.protocol.Refusal;
import io.averon.ps.round.RoundSettings;
import io.averon.ps.transport.EmbeddedMediaDriver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Faults inside one JVM: a NaN contribution, a model mismatch, a server restarted from its state directory. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ParameterServerFaultsTest {

    private static final int PARAMETERS = 500;

    @Test
    void shouldRefuseNanContributionAndCloseTheRoundWithTheOthers() throws Exception {
        int port = io.averon.ps.transport.Ports.freeUdpPortPair();
        RoundSettings rounds = RoundSettings.builder().expectedWorkers(3).roundTimeoutMs(2_000).build();
        try (ParameterServer server = ParameterServer.start(PsTestSupport.server(port, 3, PARAMETERS).rounds(rounds).build());
             EmbeddedMediaDriver driver = EmbeddedMediaDriver.launch("test-nan")) {
            ExecutorService pool = Executors.newFixedThreadPool(3);
            try {
                java.util.concurrent.atomic.AtomicLong session0 = new java.util.concurrent.atomic.AtomicLong();
                Future<float[]> w0 = pool.submit(() -> pushOnce(port, 0, driver.directory(), false, session0));
                Future<float[]> w1 = pool.submit(() -> pushOnce(port, 1, driver.directory(), false));
                Future<float[]> w2 = pool.submit(() -> pushOnce(port, 2, driver.directory(), true));

                float[] expected = meanOf(1, 0, 1);
                assertArrayEquals(expected, w0.get(60, TimeUnit.SECONDS), "round 1 = mean of workers 0 and 1");
                assertArrayEquals(expected, w1.get(60, TimeUnit.SECONDS));
                Exception e = assertThrows(Exception.class, () -> w2.get(60, TimeUnit.SECONDS));
                assertTrue(e.getCause() instanceof ParameterServerException && e.getCause().getMessage().contains("NOT_FINITE"),
                        () -> "worker 2 is told why: " + e.getCause());
            } finally {
                pool.shutdownNow();
            }
            assertEquals(1L, server.counters().refused().get(Refusal.NOT_FINITE));
            assertEquals(1, server.counters().roundsClosed());
        }
    }

    @Test
    void shouldKeepTheAcceptedContributionWhenTheSameWorkerPushesAgainInTheRound() throws Exception {
        int port = io.averon.ps.transport.Ports.freeUdpPortPair();
        try (ParameterServer server = ParameterServer.start(PsTestSupport.server(port, 3, PARAMETERS).build());
             EmbeddedMediaDriver driver = EmbeddedMediaDriver.launch("test-dup");
             io.aeron.ExclusivePublication raw = PsTestSupport.admittedPublication(driver, port, 2)) {
            ExecutorService pool = Executors.newFixedThreadPool(3);
            try {
                java.util.concurrent.atomic.AtomicLong session0 = new java.util.concurrent.atomic.AtomicLong();
                Future<float[]> w0 = pool.submit(() -> pushOnce(port, 0, driver.directory(), false, session0));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (server.counters().bytesIn() < PARAMETERS * 4L || !raw.isConnected()) {
                    assertTrue(System.nanoTime() < deadline, "worker 0 never pushed");
                    Thread.sleep(10);
                }
                Thread.sleep(200); // worker 0's push is complete and accepted
                // the same worker, same attempt, a later sequence, correctly signed: a second push of round 1
                io.averon.ps.protocol.MessageAuthenticator key = new io.averon.ps.protocol.MessageAuthenticator(PsTestSupport.SECRET);
                long total = PARAMETERS * 4L;
                int chunks = io.averon.ps.protocol.Chunking.chunkCount(total, io.averon.ps.transport.Ports.chunkBytes(1408));
                for (int c = 0; c < chunks; c++) {
                    org.agrona.concurrent.UnsafeBuffer m = PsTestSupport.signedPush(key, JobIds.of("test-job"),
                            server.incarnation(), session0.get(), 0, 1, 1_000 + c, c, chunks, total, 999f);
                    while (raw.offer(m, 0, m.capacity()) < 0) {
                        assertTrue(System.nanoTime() < deadline, "could not send the second push");
                        Thread.sleep(1);
                    }
                }
                long waitRefused = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (server.counters().refused().getOrDefault(Refusal.DUPLICATE, 0L) < chunks
                        && System.nanoTime() < waitRefused) {
                    Thread.sleep(10);
                }
                assertEquals(chunks, server.counters().refused().getOrDefault(Refusal.DUPLICATE, 0L),
                        () -> "every chunk of the second push refused: " + server.counters().refused());
                Future<float[]> w1 = pool.submit(() -> pushOnce(port, 1, driver.directory(), false));
                Future<float[]> w2 = pool.submit(() -> pushOnce(port, 2, driver.directory(), false));
                float[] expected = meanOf(1, 0, 1, 2);
                assertArrayEquals(expected, w0.get(60, TimeUnit.SECONDS), "worker 0's first push is what counts");
                assertArrayEquals(expected, w1.get(60, TimeUnit.SECONDS));
                assertArrayEquals(expected, w2.get(60, TimeUnit.SECONDS));
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void shouldRegisterTheModelFromTheFirstJoinWhenNoneIsGiven() throws Exception {
        int port = io.averon.ps.transport.Ports.freeUdpPortPair();
        ServerContext context = PsTestSupport.server(port, 2, PARAMETERS).registerOnFirstJoin(10_000)
                .rounds(io.averon.ps.round.RoundSettings.builder().expectedWorkers(2).quorum(1).roundTimeoutMs(2_000)
                        .build()).build();
        try (ParameterServer server = ParameterServer.start(context);
             EmbeddedMediaDriver driver = EmbeddedMediaDriver.launch("test-register")) {
            try (ParameterServerClient tooBig = ParameterServerClient.connect(
                    PsTestSupport.client(port, 1, 10_001, driver.directory()).build())) {
                ParameterServerException e = assertThrows(ParameterServerException.class, tooBig::join);
                assertTrue(e.getMessage().contains("limit of 10000 floats"), e.getMessage());
            }
            try (ParameterServerClient first = ParameterServerClient.connect(
                    PsTestSupport.client(port, 0, PARAMETERS, driver.directory()).build());
                 ParameterServerClient other = ParameterServerClient.connect(
                         PsTestSupport.client(port, 1, PARAMETERS * 2, driver.directory()).build())) {
                long round = first.join() + 1;
                ParameterServerException e = assertThrows(ParameterServerException.class, other::join);
                assertTrue(e.getMessage().contains("model mismatch") && e.getMessage().contains(PARAMETERS + " parameters"),
                        e.getMessage());
                float[] values = PsTestSupport.contribution(round, 0, PARAMETERS);
                ParameterServerClient.Averaged result = first.pushAndAwait(round, values, PARAMETERS, 3, 30_000);
                assertArrayEquals(values, Arrays.copyOf(result.values(), result.count()));
            }
            // one refusal (or more: a worker repeats its JOIN until answered) for each of the two workers
            assertTrue(server.counters().refused().getOrDefault(Refusal.MODEL_MISMATCH, 0L) >= 2);
        }
    }

    @Test
    void shouldAddTheRoundStartGlobalBackWhenWorkersPushDeltas() throws Exception {
        int port = io.averon.ps.transport.Ports.freeUdpPortPair();
        try (ParameterServer server = ParameterServer.start(PsTestSupport.server(port, 1, PARAMETERS).build());
             ParameterServerClient client = ParameterServerClient.connect(PsTestSupport.client(port, 0, PARAMETERS, null).build())) {
            long round = client.join() + 1;
            float[] delta = PsTestSupport.contribution(99, 0, PARAMETERS);
            ParameterServerException refused = assertThrows(ParameterServerException.class,
                    () -> client.pushAndAwait(1, delta, PARAMETERS, 5, true, 30_000));
            assertTrue(refused.getMessage().contains("delta needs a global vector"), refused.getMessage());

            client.join(); // the refused round is still open: rejoin and push full values
            float[] start = PsTestSupport.contribution(round, 0, PARAMETERS);
            float[] global = Arrays.copyOf(client.pushAndAwait(round, start, PARAMETERS, 5, 30_000).values(), PARAMETERS);
            ParameterServerClient.Averaged next = client.pushAndAwait(round + 1, delta, PARAMETERS, 5, true, 30_000);
            float[] expected = new float[PARAMETERS];
            for (int i = 0; i < PARAMETERS; i++) {
                expected[i] = global[i] + delta[i];
            }
            assertArrayEquals(expected, Arrays.copyOf(next.values(), next.count()), "global + delta, one worker");
        }
    }

    @Test
    void shouldAverageUpdaterStateWhenWorkersSendIt() throws Exception {
        int port = io.averon.ps.transport.Ports.freeUdpPortPair();
        int state = 2 * PARAMETERS; // e.g. Adam's two moments
        try (ParameterServer server = ParameterServer.start(PsTestSupport.server(port, 2, PARAMETERS)
                .model(PARAMETERS, state, PsTestSupport.CONFIG_HASH).build());
             EmbeddedMediaDriver driver = EmbeddedMediaDriver.launch("test-updater")) {
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                List<Future<float[]>> results = new java.util.ArrayList<>();
                for (int w = 0; w < 2; w++) {
                    int worker = w;
                    results.add(pool.submit(() -> {
                        try (ParameterServerClient client = ParameterServerClient.connect(PsTestSupport.client(port,
                                worker, PARAMETERS, driver.directory()).model(PARAMETERS, state, PsTestSupport.CONFIG_HASH)
                                .build())) {
                            long round = client.join() + 1;
                            float[] values = PsTestSupport.contribution(round, worker, PARAMETERS + state);
                            ParameterServerClient.Averaged avg = client.pushAndAwait(round, values, PARAMETERS + state,
                                    worker + 1, 30_000);
                            return Arrays.copyOf(avg.values(), avg.count());
                        }
                    }));
                }
                float[] a = PsTestSupport.contribution(1, 0, PARAMETERS + state);
                float[] b = PsTestSupport.contribution(1, 1, PARAMETERS + state);
                float[] expected = new float[PARAMETERS + state];
                for (int i = 0; i < expected.length; i++) {
                    expected[i] = (float) (((double) 1 * a[i] + (double) 2 * b[i]) / 3.0);
                }
                for (Future<float[]> f : results) {
                    assertArrayEquals(expected, f.get(60, TimeUnit.SECONDS), "parameters and updater state, weighted 1:2");
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void shouldRefuseAWorkerWhoseModelDiffersWithAReason() throws Exception {
        int port = io.averon.ps.transport.Ports.freeUdpPortPair();
        try (ParameterServer server = ParameterServer.start(PsTestSupport.server(port, 1, PARAMETERS).build());
             ParameterServerClient client = ParameterServerClient.connect(
                     PsTestSupport.client(port, 0, PARAMETERS + 1, null).build())) {
            ParameterServerException e = assertThrows(ParameterServerException.class, client::join);
            assertTrue(e.getMessage().contains("model mismatch") && e.getMessage().contains(PARAMETERS + " parameters"),
                    e.getMessage());
            // the worker repeats its JOIN until answered: each repeat is refused again
            assertTrue(server.counters().refused().getOrDefault(Refusal.MODEL_MISMATCH, 0L) >= 1);
        }
    }

    @Test
    void shouldResumeTheRoundCountWhenRestartedFromItsStateDirectory(@TempDir Path state) throws Exception {
        int port = io.averon.ps.transport.Ports.freeUdpPortPair();
        long firstIncarnation;
        try (ParameterServer server = ParameterServer.start(PsTestSupport.server(port, 1, PARAMETERS).stateDirectory(state).build());
             ParameterServerClient client = ParameterServerClient.connect(PsTestSupport.client(port, 0, PARAMETERS, null).build())) {
            firstIncarnation = server.incarnation();
            long round = client.join() + 1;
            for (int r = 0; r < 3; r++, round++) {
                client.pushAndAwait(round, PsTestSupport.contribution(round, 0, PARAMETERS), PARAMETERS, 10, 30_000);
            }
        }
        int port2 = io.averon.ps.transport.Ports.freeUdpPortPair();
        try (ParameterServer server = ParameterServer.start(PsTestSupport.server(port2, 1, PARAMETERS).stateDirectory(state).build());
             ParameterServerClient client = ParameterServerClient.connect(
                     PsTestSupport.client(port2, 0, PARAMETERS, null).worker(0, 1).build())) {
            assertNotEquals(firstIncarnation, server.incarnation(), "a restarted server is a new incarnation");
            long lastClosed = client.join();
            assertEquals(3, lastClosed, "the restarted server resumes the round count");
            ParameterServerClient.Averaged result = client.pushAndAwait(4,
                    PsTestSupport.contribution(4, 0, PARAMETERS), PARAMETERS, 10, 30_000);
            assertEquals(4, result.round());
            assertArrayEquals(PsTestSupport.contribution(4, 0, PARAMETERS), Arrays.copyOf(result.values(), result.count()),
                    "one worker: the average is its own contribution");
        }
    }

    private static float[] pushOnce(int port, int worker, String aeronDirectory, boolean poison) {
        return pushOnce(port, worker, aeronDirectory, poison, new java.util.concurrent.atomic.AtomicLong());
    }

    /** As above; {@code session} receives the worker's join session before it pushes. */
    private static float[] pushOnce(int port, int worker, String aeronDirectory, boolean poison,
                                    java.util.concurrent.atomic.AtomicLong session) {
        try (ParameterServerClient client = ParameterServerClient.connect(
                PsTestSupport.client(port, worker, PARAMETERS, aeronDirectory).heartbeatIntervalMs(200).build())) {
            long round = client.join() + 1;
            session.set(client.session());
            float[] values = PsTestSupport.contribution(round, worker, PARAMETERS);
            if (poison) {
                values[17] = Float.NaN;
            }
            ParameterServerClient.Averaged result = client.pushAndAwait(round, values, PARAMETERS, 10L * (worker + 1), 30_000);
            return Arrays.copyOf(result.values(), result.count());
        }
    }

    /** Weighted mean of the given workers' round contributions, with the samples pushOnce reports. */
    private static float[] meanOf(long round, int... workers) {
        double total = 0;
        double[] sum = new double[PARAMETERS];
        for (int w : workers) {
            long n = 10L * (w + 1);
            total += n;
            float[] x = PsTestSupport.contribution(round, w, PARAMETERS);
            for (int i = 0; i < PARAMETERS; i++) {
                sum[i] += (double) n * x[i];
            }
        }
        float[] mean = new float[PARAMETERS];
        for (int i = 0; i < PARAMETERS; i++) {
            mean[i] = (float) (sum[i] / total);
        }
        return mean;
    }
}
