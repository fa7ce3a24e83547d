package io.averon.benchmarks;

import io.aeron.ExclusivePublication;
import io.aeron.Subscription;
import io.averon.ps.ClientContext;
import io.averon.ps.ParameterServer;
import io.averon.ps.ParameterServerClient;
import io.averon.ps.ServerContext;
import io.averon.ps.round.RoundSettings;
import io.averon.ps.transport.EmbeddedMediaDriver;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Parameter-server round latency on loopback, beside raw Aeron UDP throughput measured in the
 * same run. A round moves {@code workers x size} floats to the server and the average back to
 * every worker, so its effective throughput is {@code 2 x workers x size x 4 bytes / latency}.
 *
 * <p>Usage: {@code RoundLatencyBenchmark [sizes=1000000,10000000,100000000] [workers=2,4,8] [rounds=3]
 * [mtu=8192]}: the MTU of the server's and the workers' channels (every message is one frame of it).
 * The 100M x 8 case holds ~7 GB of vectors: give the JVM {@code -Xmx10g}.
 */
public final class RoundLatencyBenchmark {

    private static final byte[] SECRET = "benchmark-secret-0123456789-abcdefgh".getBytes(StandardCharsets.US_ASCII);
    private static final int CHUNK = 1 << 20;
    private static final int TERM = 16 << 20;
    private static int mtu;

    private RoundLatencyBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int[] sizes = parse(args.length > 0 ? args[0] : "1000000,10000000,100000000");
        int[] workerCounts = parse(args.length > 1 ? args[1] : "2,4,8");
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        mtu = args.length > 3 ? Integer.parseInt(args[3]) : io.averon.ps.transport.Ports.DEFAULT_MTU_BYTES;
        System.out.println("MTU " + mtu);
        double raw = rawThroughputGBps();
        System.out.printf(Locale.ROOT, "raw Aeron UDP loopback, 1 MiB messages, same driver setup: %.3f GB/s%n%n", raw);
        System.out.println("| parameters | workers | round latency (median of " + rounds + ") | effective GB/s | vs raw |");
        System.out.println("|---:|---:|---:|---:|---:|");
        for (int size : sizes) {
            for (int workers : workerCounts) {
                double seconds = medianRoundSeconds(size, workers, rounds);
                double gbps = 2.0 * workers * size * Float.BYTES / seconds / 1e9;
                System.out.printf(Locale.ROOT, "| %,d | %d | %.3f s | %.3f | %.2f |%n", size, workers, seconds, gbps, gbps / raw);
                System.out.flush();
            }
        }
    }

    /**
     * Raw Aeron: one publication to one subscription over UDP loopback, 1 MiB messages, for ~3 s,
     * both sides idling with the same backoff strategy the parameter server uses (busy-spinning
     * both on 2 cores starves the media drivers' threads).
     */
    static double rawThroughputGBps() throws Exception {
        int port = io.averon.ps.transport.Ports.freeUdpPortPair();
        try (EmbeddedMediaDriver a = EmbeddedMediaDriver.launch("bench-raw-pub");
             EmbeddedMediaDriver b = EmbeddedMediaDriver.launch("bench-raw-sub");
             Subscription sub = b.aeron().addSubscription("aeron:udp?endpoint=127.0.0.1:" + port, 7);
             ExclusivePublication pub = a.aeron().addExclusivePublication(
                     "aeron:udp?endpoint=127.0.0.1:" + port + "|term-length=" + TERM, 7)) {
            while (!pub.isConnected()) {
                Thread.sleep(1);
            }
            UnsafeBuffer message = new UnsafeBuffer(ByteBuffer.allocateDirect(CHUNK));
            AtomicLong received = new AtomicLong();
            Thread reader = new Thread(() -> {
                BackoffIdleStrategy idle = new BackoffIdleStrategy();
                while (!Thread.currentThread().isInterrupted()) {
                    idle.idle(sub.poll((buf, off, len, h) -> received.addAndGet(len), 64));
                }
            });
            reader.start();
            long start = System.nanoTime();
            long end = start + TimeUnit.SECONDS.toNanos(3);
            BackoffIdleStrategy idle = new BackoffIdleStrategy();
            while (System.nanoTime() < end) {
                idle.idle(pub.offer(message, 0, CHUNK) < 0 ? 0 : 1);
            }
            long bytes = received.get();
            double seconds = (System.nanoTime() - start) / 1e9;
            reader.interrupt();
            reader.join();
            return bytes / seconds / 1e9;
        }
    }

    private static double medianRoundSeconds(int size, int workers, int rounds) throws Exception {
        int port = io.averon.ps.transport.Ports.freeUdpPortPair();
        byte[] hash = new byte[32];
        ServerContext context = ServerContext.builder().bind("127.0.0.1", port).job("bench", SECRET)
                .model(size, 0, hash).rounds(RoundSettings.builder().expectedWorkers(workers)
                        .roundTimeoutMs(600_000).heartbeatTimeoutMs(60_000).build())
                .mtu(mtu, TERM).build();
        float[] values = new float[size];
        Arrays.fill(values, 0.5f);
        try (ParameterServer server = ParameterServer.start(context);
             EmbeddedMediaDriver workerDriver = EmbeddedMediaDriver.launch("bench-workers")) {
            ExecutorService pool = Executors.newFixedThreadPool(workers);
            try {
                List<Future<double[]>> futures = new ArrayList<>();
                for (int w = 0; w < workers; w++) {
                    int worker = w;
                    futures.add(pool.submit(() -> runWorker(port, worker, size, hash, values, rounds,
                            workerDriver.directory())));
                }
                double[] slowest = new double[rounds];
                for (Future<double[]> f : futures) {
                    double[] times = f.get(30, TimeUnit.MINUTES);
                    for (int r = 0; r < rounds; r++) {
                        slowest[r] = Math.max(slowest[r], times[r]);
                    }
                }
                Arrays.sort(slowest);
                return slowest[rounds / 2];
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /** Seconds from each push's start to the averaged result, per round (rounds start together). */
    private static double[] runWorker(int port, int worker, int size, byte[] hash, float[] values, int rounds,
                                      String aeronDirectory) {
        ClientContext context = ClientContext.builder().server("127.0.0.1", port).job("bench", SECRET)
                .worker(worker, 0).model(size, 0, hash).aeronDirectory(aeronDirectory).mtu(mtu, TERM)
                .connectTimeoutMs(60_000).build();
        double[] seconds = new double[rounds];
        try (ParameterServerClient client = ParameterServerClient.connect(context)) {
            long round = client.join() + 1;
            for (int r = 0; r < rounds; r++, round++) {
                long start = System.nanoTime();
                client.pushAndAwait(round, values, size, 1, 600_000);
                seconds[r] = (System.nanoTime() - start) / 1e9;
            }
        }
        return seconds;
    }

    private static int[] parse(String list) {
        return Arrays.stream(list.split(",")).mapToInt(Integer::parseInt).toArray();
    }
}
