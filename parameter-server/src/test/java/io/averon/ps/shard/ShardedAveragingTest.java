package io.averon.ps.shard;

import io.averon.ps.RoundClient;
import io.averon.ps.ServerCounters;
import io.averon.ps.round.RoundSettings;
import io.averon.ps.transport.EmbeddedMediaDriver;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sharded averaging over real Aeron UDP on loopback: N workers, each owning one range, run rounds
 * whose results equal the fixed-order, sample-weighted mean exactly (the server path's
 * arithmetic), with and without updater state, and each owner receives about one vector's worth of
 * bytes per round whatever N is.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ShardedAveragingTest {

    private static final byte[] SECRET = "sharded-secret-0123456789-abcdefgh".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HASH = new byte[32];
    private static final int ROUNDS = 6;

    @ParameterizedTest(name = "{0} workers, {1} parameters + {2} updater state")
    @CsvSource({"2, 10000, 0", "4, 30001, 60002", "8, 50000, 0"})
    void shouldGiveEveryWorkerTheExactWeightedMeanWhenWorkersOwnARangeEach(int workers, int parameters,
                                                                          int updaterState) throws Exception {
        int length = parameters + updaterState;
        ShardLayout layout = new ShardLayout(parameters, updaterState, workers);
        float[] initial = values(0, -1, length);
        String[] endpoints = new String[workers];
        CountDownLatch started = new CountDownLatch(workers);
        CyclicBarrier finished = new CyclicBarrier(workers);
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        try (EmbeddedMediaDriver driver = EmbeddedMediaDriver.launch("test-sharded")) { // one per host, as in an executor
            List<Future<Result>> results = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                int worker = w;
                results.add(pool.submit(() -> {
                    ShardedSettings settings = ShardedSettings.builder().layout(layout).worker(worker, 0)
                            .job("sharded-test", SECRET).configHash(HASH)
                            .rounds(RoundSettings.builder().expectedWorkers(workers).quorum(workers)
                                    .roundTimeoutMs(60_000).build())
                            .mtu(1408, 256 * 1024).build();
                    ShardOwner owner = ShardOwner.start(settings, 0, initial, length, driver.directory());
                    endpoints[worker] = owner.endpoint();
                    started.countDown();
                    started.await(); // what Spark's barrier allGather does for the executors
                    Result result = new Result();
                    try (ShardedClient client = ShardedClient.connect(settings, owner, List.of(endpoints))) {
                        RoundClient.Joined joined = client.join(true);
                        assertEquals(0, joined.round());
                        assertArrayEquals(initial, Arrays.copyOf(joined.global().values(), joined.global().count()),
                                "round 0's global vector, gathered from every owner");
                        for (long round = 1; round <= ROUNDS; round++) {
                            int count = round % 2 == 0 ? parameters : length; // updater state every other round
                            RoundClient.Averaged averaged = client.pushAndAwait(round, values(round, worker, length),
                                    count, samples(round, worker), 60_000);
                            result.rounds.add(Arrays.copyOf(averaged.values(), averaged.count()));
                        }
                        finished.await(60, TimeUnit.SECONDS); // nobody stops owning a range the others still read
                        result.counters = owner.counters();
                    }
                    return result;
                }));
            }
            for (int w = 0; w < workers; w++) {
                Result result = results.get(w).get(150, TimeUnit.SECONDS);
                for (int r = 1; r <= ROUNDS; r++) {
                    int count = r % 2 == 0 ? parameters : length;
                    assertArrayEquals(weightedMean(r, workers, count), result.rounds.get(r - 1),
                            "worker " + w + ", round " + r);
                }
                ServerCounters.Snapshot counters = result.counters;
                assertEquals(ROUNDS, counters.roundsClosed(), "owner " + w);
                assertEquals(0, counters.refusedTotal(), () -> "refused: " + counters.refused());
                // every worker's range r goes to owner r: ~one vector's worth per round (+ headers), whatever N is
                long rangeBytes = (long) (layout.parameters(w) + layout.updaterState(w)) * Float.BYTES * workers * ROUNDS;
                assertTrue(counters.bytesIn() <= rangeBytes * 1.2 + 100_000, "owner " + w + " received "
                        + counters.bytesIn() + " bytes for at most " + rangeBytes + " bytes of ranges");
                assertTrue(counters.bytesIn() >= rangeBytes / 2, "owner " + w + " received every worker's range");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static final class Result {
        final List<float[]> rounds = new ArrayList<>();
        ServerCounters.Snapshot counters;
    }

    private static float[] values(long round, int worker, int length) {
        SplittableRandom random = new SplittableRandom(round * 1_000_003L + worker);
        float[] values = new float[length];
        for (int i = 0; i < length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }

    private static long samples(long round, int worker) {
        return 1 + new SplittableRandom(round * 7919L + worker * 31L).nextInt(0, 100);
    }

    /** The fixed-order weighted mean of the server path: sum in double in ascending worker order, cast to float. */
    private static float[] weightedMean(long round, int workers, int count) {
        double total = 0;
        for (int w = 0; w < workers; w++) {
            total += samples(round, w);
        }
        double[] sum = new double[count];
        for (int w = 0; w < workers; w++) {
            float[] x = values(round, w, count);
            for (int i = 0; i < count; i++) {
                sum[i] += (double) samples(round, w) * x[i];
            }
        }
        float[] mean = new float[count];
        for (int i = 0; i < count; i++) {
            mean[i] = (float) (sum[i] / total);
        }
        return mean;
    }
}
