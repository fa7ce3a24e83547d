package io.averon.ps;

import io.averon.ps.transport.EmbeddedMediaDriver;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Real Aeron over UDP on loopback: N worker threads, 20 synchronous rounds, exact weighted means. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ParameterServerRoundsTest {

    private static final int PARAMETERS = 1000; // 4,000 bytes: 4 chunks of 1 KiB per push
    private static final int ROUNDS = 20;

    @ParameterizedTest(name = "{0} workers")
    @ValueSource(ints = {2, 4, 8})
    void shouldAverageEveryRoundExactlyWhenWorkersPushTwentyRounds(int workers) throws Exception {
        int port = io.averon.ps.transport.Ports.freeUdpPortPair();
        try (ParameterServer server = ParameterServer.start(PsTestSupport.server(port, workers, PARAMETERS).build());
             EmbeddedMediaDriver workerDriver = EmbeddedMediaDriver.launch("test-workers")) {
            ExecutorService pool = Executors.newFixedThreadPool(workers);
            try {
                List<Future<List<float[]>>> results = new ArrayList<>();
                for (int w = 0; w < workers; w++) {
                    int worker = w;
                    results.add(pool.submit(() -> runWorker(port, worker, workerDriver.directory())));
                }
                for (int w = 0; w < workers; w++) {
                    List<float[]> rounds = results.get(w).get(150, TimeUnit.SECONDS);
                    assertEquals(ROUNDS, rounds.size());
                    for (int r = 1; r <= ROUNDS; r++) {
                        assertArrayEquals(PsTestSupport.weightedMean(r, workers, PARAMETERS), rounds.get(r - 1),
                                "worker " + w + ", round " + r);
                    }
                }
            } finally {
                pool.shutdownNow();
            }
            ServerCounters.Snapshot counters = server.counters();
            assertEquals(ROUNDS, counters.roundsClosed());
            assertEquals(0, counters.roundsFailed());
            assertEquals(0, counters.refusedTotal(), () -> "refused: " + counters.refused());
        }
    }

    private static List<float[]> runWorker(int port, int worker, String aeronDirectory) {
        List<float[]> averaged = new ArrayList<>();
        try (ParameterServerClient client = ParameterServerClient.connect(
                PsTestSupport.client(port, worker, PARAMETERS, aeronDirectory).build())) {
            long round = client.join() + 1;
            assertEquals(1, round);
            for (int r = 0; r < ROUNDS; r++, round++) {
                float[] values = PsTestSupport.contribution(round, worker, PARAMETERS);
                ParameterServerClient.Averaged result = client.pushAndAwait(round, values, PARAMETERS,
                        PsTestSupport.samples(round, worker), 60_000);
                assertEquals(round, result.round());
                averaged.add(Arrays.copyOf(result.values(), result.count()));
            }
        }
        return averaged;
    }
}
