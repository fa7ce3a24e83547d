package io.averon.benchmarks;

import io.averon.ps.ClientContext;
import io.averon.ps.ParameterServer;
import io.averon.ps.ParameterServerClient;
import io.averon.ps.RoundClient;
import io.averon.ps.ServerContext;
import io.averon.ps.round.RoundSettings;
import io.averon.ps.shard.ShardLayout;
import io.averon.ps.shard.ShardOwner;
import io.averon.ps.shard.ShardedClient;
import io.averon.ps.shard.ShardedSettings;
import io.averon.ps.transport.Ports;
import io.averon.ps.transport.SharedMediaDriver;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * {@code workers} workers averaging {@code size} floats on loopback in this JVM, set up as a Spark
 * {@code local[*]} run sets them up: in {@link Mode#SERVER} mode a parameter server on its own
 * embedded media driver (the Spark driver's) and the workers on one shared media driver (the
 * executor's); in {@link Mode#SHARDED} mode every worker owns a range, all on the executor's shared
 * driver. Averon's defaults everywhere (1 MiB terms, its drivers' threading, idle strategies and
 * socket buffers); only the MTU is chosen. Each worker runs on a thread of its own; {@link #round}
 * releases them together and waits for every worker's result.
 */
final class LoopbackRounds implements AutoCloseable {

    /** Who averages. */
    enum Mode { SERVER, SHARDED }

    /** One round: from the workers' release to the slowest worker's last push returning, and to its result. */
    record Timing(long pushNs, long roundNs) {
    }

    private static final byte[] SECRET = "round-latency-secret-0123456789-abcdefgh".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONFIG_HASH = new byte[32];
    private static final String JOB = "latency";
    private static final long TIMEOUT_MS = TimeUnit.MINUTES.toMillis(10);
    /** The workers' shared driver; its directory (and thread) names start with averon-rounds-workers. */
    static final String WORKERS_DRIVER = "rounds-workers";

    private final int size;
    private final int workers;
    private final float[] values;
    private final SharedMediaDriver.Lease driver;
    private final ExecutorService[] threads;
    private final RoundClient[] clients;
    private ParameterServer server;
    private long round;

    private LoopbackRounds(int size, int workers) {
        this.size = size;
        this.workers = workers;
        this.values = new float[size];
        Arrays.fill(values, 0.5f); // every worker pushes the same values (read only)
        this.driver = SharedMediaDriver.acquire(WORKERS_DRIVER);
        this.threads = new ExecutorService[workers];
        this.clients = new RoundClient[workers];
        for (int w = 0; w < workers; w++) {
            String name = "round-worker-" + w;
            threads[w] = Executors.newSingleThreadExecutor(r -> new Thread(r, name));
        }
    }

    /** Starts the averaging and joins every worker; the first round is {@link #round}'s. */
    static LoopbackRounds start(Mode mode, int size, int workers, int mtuBytes) throws Exception {
        LoopbackRounds rounds = new LoopbackRounds(size, workers);
        try {
            if (mode == Mode.SERVER) {
                rounds.startServer(mtuBytes);
            } else {
                rounds.startSharded(mtuBytes);
            }
            return rounds;
        } catch (Exception | Error e) {
            rounds.close();
            throw e;
        }
    }

    /** Bytes a round moves over UDP: every worker's vector in (to the server or the owners), the average out to every worker. */
    long bytesPerRound() {
        return 2L * workers * size * Float.BYTES;
    }

    private void startServer(int mtuBytes) throws Exception {
        int port = Ports.freeUdpPortPair();
        server = ParameterServer.start(ServerContext.builder().bind("127.0.0.1", port).job(JOB, SECRET)
                .model(size, 0, CONFIG_HASH).rounds(roundSettings()).mtu(mtuBytes, Ports.DEFAULT_TERM_LENGTH).build());
        onEveryWorker(w -> {
            ClientContext context = ClientContext.builder().server("127.0.0.1", port).job(JOB, SECRET).worker(w, 0)
                    .model(size, 0, CONFIG_HASH).aeronDirectory(driver.directory())
                    .mtu(mtuBytes, Ports.DEFAULT_TERM_LENGTH).connectTimeoutMs(TIMEOUT_MS).build();
            clients[w] = ParameterServerClient.connect(context);
            return clients[w].join(false).round();
        });
    }

    private void startSharded(int mtuBytes) throws Exception {
        ShardLayout layout = new ShardLayout(size, 0, workers);
        String[] endpoints = new String[workers];
        CountDownLatch started = new CountDownLatch(workers);
        onEveryWorker(w -> {
            ShardedSettings settings = ShardedSettings.builder().layout(layout).worker(w, 0).job(JOB, SECRET)
                    .configHash(CONFIG_HASH).rounds(roundSettings()).mtu(mtuBytes, Ports.DEFAULT_TERM_LENGTH)
                    .connectTimeoutMs(TIMEOUT_MS).build();
            ShardOwner owner = ShardOwner.start(settings, 0, values, size, driver.directory());
            endpoints[w] = owner.endpoint();
            started.countDown();
            if (!started.await(TIMEOUT_MS, TimeUnit.MILLISECONDS)) { // Spark's barrier allGather, for the executors
                owner.close();
                throw new IllegalStateException("not every shard owner started");
            }
            try {
                clients[w] = ShardedClient.connect(settings, owner, List.of(endpoints));
            } catch (RuntimeException e) {
                owner.close();
                throw e;
            }
            return clients[w].join(false).round();
        });
    }

    private RoundSettings roundSettings() {
        return RoundSettings.builder().expectedWorkers(workers).quorum(workers).roundTimeoutMs(TIMEOUT_MS)
                .heartbeatTimeoutMs(TimeUnit.MINUTES.toMillis(1)).build();
    }

    /** One synchronous round: every worker pushes its vector and waits for the average. */
    Timing round() throws Exception {
        long next = ++round;
        long start = System.nanoTime();
        List<long[]> times = onEveryWorker(w -> {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS);
            clients[w].push(next, values, size, 1, false, deadline);
            long pushed = System.nanoTime();
            clients[w].awaitAveraged(next, deadline);
            return new long[] {pushed, System.nanoTime()};
        });
        long push = 0;
        long done = 0;
        for (long[] t : times) {
            push = Math.max(push, t[0] - start);
            done = Math.max(done, t[1] - start);
        }
        return new Timing(push, done);
    }

    private interface WorkerTask<T> {
        T run(int worker) throws Exception;
    }

    /** Runs {@code task} on every worker's thread at once; its results, in worker order. */
    private <T> List<T> onEveryWorker(WorkerTask<T> task) throws Exception {
        List<Future<T>> futures = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            int worker = w;
            futures.add(threads[w].submit(() -> task.run(worker)));
        }
        List<T> results = new ArrayList<>();
        for (Future<T> future : futures) {
            results.add(future.get(TIMEOUT_MS, TimeUnit.MILLISECONDS));
        }
        return results;
    }

    /** Every worker leaves, then the server (if any) stops, then the workers' driver. */
    @Override
    public void close() {
        try {
            for (RoundClient client : clients) {
                if (client != null) {
                    client.close();
                }
            }
            for (ExecutorService thread : threads) {
                thread.shutdownNow();
            }
        } finally {
            try {
                if (server != null) {
                    server.close();
                }
            } finally {
                driver.close();
            }
        }
    }
}
