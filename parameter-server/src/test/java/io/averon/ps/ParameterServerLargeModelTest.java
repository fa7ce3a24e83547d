package io.averon.ps;

import io.averon.ps.transport.EmbeddedMediaDriver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A 100-million-parameter model (400 MB of float32 per push): two workers, one round, chunked into
 * 1 MiB messages, reassembled into preallocated buffers; the result is byte-exact.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ParameterServerLargeModelTest {

    private static final int PARAMETERS = 100_000_000;

    @Test
    void shouldAverageAHundredMillionParametersByteExactly() throws Exception {
        int port = io.averon.ps.transport.Ports.freeUdpPortPair();
        try (ParameterServer server = ParameterServer.start(PsTestSupport.server(port, 2, PARAMETERS)
                .mtu(8192, 16 << 20).build());
             EmbeddedMediaDriver workers = EmbeddedMediaDriver.launch("test-large")) {
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                Future<Long> w0 = pool.submit(() -> pushAndCheck(port, 0, 3, workers.directory()));
                Future<Long> w1 = pool.submit(() -> pushAndCheck(port, 1, 5, workers.directory()));
                assertEquals(0L, w0.get(4, TimeUnit.MINUTES), "elements differing from the exact weighted mean (worker 0)");
                assertEquals(0L, w1.get(4, TimeUnit.MINUTES), "elements differing from the exact weighted mean (worker 1)");
            } finally {
                pool.shutdownNow();
            }
            assertEquals(1, server.counters().roundsClosed());
            assertEquals(0, server.counters().refusedTotal());
        }
    }

    /** Worker w's value at i: distinct per worker and position, exactly representable. */
    private static float value(int worker, int i) {
        return (i % 10_007) * 0.25f - worker * 1000.5f;
    }

    /** Pushes, then counts the elements of the result that differ from the exact weighted mean. */
    private static long pushAndCheck(int port, int worker, long samples, String aeronDirectory) {
        float[] values = new float[PARAMETERS];
        for (int i = 0; i < PARAMETERS; i++) {
            values[i] = value(worker, i);
        }
        try (ParameterServerClient client = ParameterServerClient.connect(PsTestSupport.client(port, worker, PARAMETERS,
                aeronDirectory).mtu(8192, 16 << 20).build())) {
            long round = client.join() + 1;
            ParameterServerClient.Averaged result = client.pushAndAwait(round, values, PARAMETERS, samples, 180_000);
            assertEquals(PARAMETERS, result.count());
            values = null; // let the heap breathe before the check
            float[] got = result.values();
            long differing = 0;
            for (int i = 0; i < PARAMETERS; i++) {
                float expected = (float) (((double) 3 * value(0, i) + (double) 5 * value(1, i)) / 8.0);
                if (Float.floatToRawIntBits(expected) != Float.floatToRawIntBits(got[i])) {
                    differing++;
                }
            }
            return differing;
        }
    }
}
