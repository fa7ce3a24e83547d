package io.averon.ps;

import io.averon.ps.protocol.Encoding;
import io.averon.ps.transport.EmbeddedMediaDriver;
import io.averon.ps.transport.Ports;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Compressed deltas over real Aeron: two workers push their change since the last average in
 * bfloat16 or int8 with error feedback. The server receives about 1/2 or 1/4 of the float32 bytes,
 * each round's average is the exact one up to the encoding's precision, and error feedback keeps
 * the error from adding up: after many rounds the global vector is as close to the exact sum of
 * the averaged changes as one round's quantum, not many.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class CompressedDeltaTest {

    private static final int PARAMETERS = 20_000;
    private static final int WORKERS = 2;
    private static final int ROUNDS = 30;

    @ParameterizedTest(name = "{0}")
    // without error feedback the error is ~0.0024 (bf16) and ~0.0048 (int8): each round's rounding adds up
    @CsvSource({"BF16, 0.5, 0.0004", "INT8, 0.25, 0.0008"})
    void shouldAverageCompressedDeltasWithinOneQuantumAfterManyRoundsWhenErrorFeedbackCarriesTheRest(
            Encoding encoding, double byteRatio, double relativeError) throws Exception {
        float[] initial = new float[PARAMETERS];
        long[] bytesIn = new long[2];
        double[] error = new double[2];
        for (Encoding e : new Encoding[] {Encoding.FLOAT32, encoding}) {
            int port = Ports.freeUdpPortPair();
            ServerContext context = PsTestSupport.server(port, WORKERS, PARAMETERS).initialState(0, initial).build();
            ExecutorService pool = Executors.newFixedThreadPool(WORKERS);
            try (ParameterServer server = ParameterServer.start(context);
                 EmbeddedMediaDriver driver = EmbeddedMediaDriver.launch("test-compressed")) {
                List<Future<float[]>> results = new ArrayList<>();
                for (int w = 0; w < WORKERS; w++) {
                    int worker = w;
                    results.add(pool.submit(() -> runWorker(port, worker, driver.directory(), e)));
                }
                float[] global = results.get(0).get(90, TimeUnit.SECONDS);
                assertEquals(Arrays.toString(Arrays.copyOf(global, 8)),
                        Arrays.toString(Arrays.copyOf(results.get(1).get(90, TimeUnit.SECONDS), 8)),
                        "both workers hold the same global vector");
                int slot = e == Encoding.FLOAT32 ? 0 : 1;
                bytesIn[slot] = server.counters().bytesIn();
                error[slot] = maxRelativeError(global, exactSum());
            } finally {
                pool.shutdownNow();
            }
        }
        assertTrue(error[0] < 1e-5, "float32 deltas are exact up to float rounding: " + error[0]);
        // the pushes carry (byteRatio x) the float32 payload, plus headers and the small messages
        double ratio = (double) bytesIn[1] / bytesIn[0];
        assertTrue(ratio < byteRatio + 0.1 && ratio > byteRatio - 0.1, encoding + " moved " + ratio
                + " of float32's bytes to the server");
        // one round's quantum of the largest change, not ROUNDS of them
        assertTrue(error[1] < relativeError, encoding + ": after " + ROUNDS + " rounds the global is off by "
                + error[1] + " of its magnitude");
    }

    /** Pushes ROUNDS deltas (the same every round, per worker); returns the last global vector. */
    private static float[] runWorker(int port, int worker, String aeronDirectory, Encoding encoding) {
        try (ParameterServerClient client = ParameterServerClient.connect(PsTestSupport.client(port, worker,
                PARAMETERS, aeronDirectory).compression(encoding).build())) {
            client.join(true);
            float[] delta = change(worker);
            RoundClient.Averaged result = null;
            for (long round = 1; round <= ROUNDS; round++) {
                result = client.pushAndAwait(round, delta, PARAMETERS, 10, true, 60_000);
            }
            return Arrays.copyOf(result.values(), result.count());
        }
    }

    private static float[] change(int worker) {
        SplittableRandom random = new SplittableRandom(99 + worker);
        float[] delta = new float[PARAMETERS];
        for (int i = 0; i < PARAMETERS; i++) {
            delta[i] = (float) (random.nextGaussian() * 1e-3);
        }
        return delta;
    }

    /** ROUNDS times the workers' mean change (equal weights), in double. */
    private static double[] exactSum() {
        float[] a = change(0);
        float[] b = change(1);
        double[] sum = new double[PARAMETERS];
        for (int i = 0; i < PARAMETERS; i++) {
            sum[i] = ROUNDS * ((double) a[i] + b[i]) / 2;
        }
        return sum;
    }

    private static double maxRelativeError(float[] actual, double[] expected) {
        double scale = 0;
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            scale = Math.max(scale, Math.abs(expected[i]));
            worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
        }
        return worst / scale;
    }
}
