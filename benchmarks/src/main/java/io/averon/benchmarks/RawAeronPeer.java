package io.averon.benchmarks;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.aeron.logbuffer.FragmentHandler;
import io.averon.ps.shard.ShardLayout;
import io.averon.ps.transport.Ports;
import org.agrona.CloseHelper;
import org.agrona.IoUtil;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.YieldingIdleStrategy;

import java.io.File;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The peer of an averaging round: raw Aeron UDP on loopback, configured for throughput, moving the
 * bytes a round moves between the same endpoints. No protocol: no signing, no chunk headers, no
 * handshakes, no averaging; every message is one frame of the MTU.
 * <ul>
 *   <li>{@link LoopbackRounds.Mode#SERVER}: each of {@code N} worker threads streams its vector
 *       ({@code size x 4} bytes) to the server's one subscription (fan-in); once the server thread
 *       has all {@code N} vectors it streams {@code size x 4} bytes to each worker's subscription
 *       (fan-out) and the workers read them.</li>
 *   <li>{@link LoopbackRounds.Mode#SHARDED}: reduce-scatter, then all-gather. Node {@code w}'s thread
 *       streams range {@code r} of its vector to owner {@code r} for every {@code r} (its own
 *       included, over UDP as Averon does, starting at the next owner as Averon does), reads its own
 *       range from every node, and once it has all of them streams its range to every node, while
 *       reading every owner's range of the result. One thread per node does both roles,
 *       interleaved.</li>
 * </ul>
 *
 * <p>Each {@link #round} launches its media drivers afresh (their threads yield or spin and must
 * not run while the rounds they are compared with do), connects every stream, runs small warm-up
 * rounds, then times one round from the release of the threads to the last byte's receipt.
 */
final class RawAeronPeer {

    private static final int PUSH_STREAM = 11;
    private static final int RESULT_STREAM = 12;
    private static final int FRAGMENT_LIMIT = 64;
    private static final int BURST = 64;
    /** Warm-up rounds are of at most this many parameters. */
    private static final int WARMUP_SIZE = 2_000_000;
    private static final int WARMUP_ROUNDS = 3;
    private static final long TIMEOUT_NS = TimeUnit.MINUTES.toNanos(10);

    /**
     * How the peer is set up.
     *
     * @param threading         each media driver's threads
     * @param idle              the idle strategy of the drivers' threads and of the peer's own threads
     * @param oneDriver         whether every endpoint shares one media driver (else the server mode's
     *                          server gets its own, as Averon's does)
     * @param mtuBytes          the channels' MTU; a message is one frame: MTU − 32 bytes
     * @param socketBufferBytes SO_SNDBUF and SO_RCVBUF
     * @param maxWindowBytes    a stream's receiver window at most; with {@code k} senders into one
     *                          subscription each gets {@code min(max, buffer / (share x k))} so that the
     *                          windows fit the receive buffer; a stream's term is twice its window
     * @param windowShare       the {@code share} above: 2 leaves half the buffer to the kernel's
     *                          per-datagram overhead (at 1, windows overran the buffer: drops, NAKs)
     */
    record Config(ThreadingMode threading, String idle, boolean oneDriver, int mtuBytes, int socketBufferBytes,
                  int maxWindowBytes, int windowShare) {

        private static final int MIN_TERM = 64 << 10;

        /**
         * Aeron's throughput setup as its performance guide gives it: a thread each for conductor,
         * sender and receiver; 4 MiB socket buffers (this kernel's rmem_max/wmem_max) and windows of
         * up to 2 MiB; log buffers pre-touched. Idle strategy, driver count and window share from
         * the system properties {@code raw.threading}, {@code raw.idle} (spin, yield, backoff),
         * {@code raw.drivers} (one, mirror) and {@code raw.windowShare}, defaulting to what measured
         * fastest on this 2-core machine (docs/benchmarks.md, "Round latency vs raw Aeron"):
         * dedicated threads with backoff idling, one driver, share 2.
         */
        static Config fromProperties(int mtuBytes) {
            ThreadingMode threading = ThreadingMode.valueOf(System.getProperty("raw.threading", "DEDICATED"));
            String idle = System.getProperty("raw.idle", "backoff");
            boolean one = !"mirror".equals(System.getProperty("raw.drivers", "one"));
            int share = Integer.getInteger("raw.windowShare", 2);
            idleStrategy(idle); // validates
            if (share < 1) {
                throw new IllegalArgumentException("raw.windowShare must be at least 1, got " + share);
            }
            return new Config(threading, idle, one, mtuBytes, 4 << 20, 2 << 20, share);
        }

        int messageBytes() {
            return mtuBytes - Ports.FRAME_HEADER_BYTES;
        }

        /** The term of a stream into a subscription that {@code senders} streams share. */
        int termLength(int senders) {
            int window = Math.min(maxWindowBytes, Integer.highestOneBit(socketBufferBytes / (windowShare * senders)));
            return Math.max(MIN_TERM, 2 * window);
        }

        String describe() {
            return String.format(Locale.ROOT, "%s, %s threading, %s idle strategies (drivers and the peer's threads),"
                    + " SO_SNDBUF/SO_RCVBUF %d KiB, receiver window min(%d KiB, buffer / (%d x senders into the"
                    + " subscription)), term twice the window, MTU %d (%d-byte messages), log buffers pre-touched",
                    oneDriver ? "one embedded media driver" : "media drivers laid out as Averon's", threading, idle,
                    socketBufferBytes >> 10, maxWindowBytes >> 10, windowShare, mtuBytes, messageBytes());
        }

        Supplier<IdleStrategy> idleSupplier() {
            return () -> idleStrategy(idle);
        }

        private static IdleStrategy idleStrategy(String name) {
            return switch (name) {
                case "spin" -> new BusySpinIdleStrategy();
                case "yield" -> new YieldingIdleStrategy();
                case "backoff" -> new BackoffIdleStrategy();
                default -> throw new IllegalArgumentException("raw.idle must be spin, yield or backoff, got " + name);
            };
        }
    }

    /** One timed round: its seconds and what the CPU did meanwhile. */
    record Transfer(double seconds, CpuAccount.Usage usage) {
    }

    private final Config config;

    RawAeronPeer(Config config) {
        this.config = config;
    }

    Config config() {
        return config;
    }

    /**
     * The raw peer alone, to compare its setups: {@code RawAeronPeer mode size workers rounds [mtu]}
     * with the {@code raw.*} properties; prints every round's seconds and the median.
     */
    public static void main(String[] args) throws Exception {
        LoopbackRounds.Mode mode = LoopbackRounds.Mode.valueOf(args[0].toUpperCase(Locale.ROOT));
        int size = Integer.parseInt(args[1]);
        int workers = Integer.parseInt(args[2]);
        int rounds = Integer.parseInt(args[3]);
        RawAeronPeer peer = new RawAeronPeer(Config.fromProperties(
                args.length > 4 ? Integer.parseInt(args[4]) : Ports.DEFAULT_MTU_BYTES));
        double[] seconds = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            seconds[r] = peer.round(mode, size, workers).seconds();
        }
        java.util.Arrays.sort(seconds);
        System.out.printf(Locale.ROOT, "%s | %s %,d x %d | rounds %s s | median %.3f s%n", peer.config().describe(),
                mode, size, workers, java.util.Arrays.toString(seconds), seconds[rounds / 2]);
    }

    /** One round of {@code mode}'s data movement for {@code workers} vectors of {@code size} floats, timed. */
    Transfer round(LoopbackRounds.Mode mode, int size, int workers) throws Exception {
        List<String> directories = new ArrayList<>();
        List<AutoCloseable> open = new ArrayList<>();
        try {
            Aeron first = launch(directories, open);
            Aeron second = mode == LoopbackRounds.Mode.SERVER && !config.oneDriver() ? launch(directories, open) : first;
            Topology topology = mode == LoopbackRounds.Mode.SERVER
                    ? new ServerTopology(second, first, workers, open) : new ShardedTopology(first, workers, open);
            topology.awaitConnected();
            ExecutorService threads = Executors.newFixedThreadPool(topology.threads(), r -> new Thread(r, "raw-peer"));
            try {
                for (int i = 0; i < WARMUP_ROUNDS; i++) {
                    topology.run(Math.min(size, WARMUP_SIZE), threads);
                }
                CpuAccount.Snapshot before = CpuAccount.take();
                long ns = topology.run(size, threads);
                return new Transfer(ns / 1e9, CpuAccount.Usage.between(before, CpuAccount.take()));
            } finally {
                threads.shutdownNow();
            }
        } finally {
            for (int i = open.size() - 1; i >= 0; i--) {
                CloseHelper.quietClose(open.get(i));
            }
            for (String directory : directories) {
                IoUtil.delete(new File(directory), true);
            }
        }
    }

    private Aeron launch(List<String> directories, List<AutoCloseable> open) {
        File base = new File("/dev/shm").canWrite() ? new File("/dev/shm") : new File(IoUtil.tmpDirName());
        String directory = new File(base, "averon-raw-peer-" + UUID.randomUUID()).getPath();
        directories.add(directory);
        Supplier<IdleStrategy> idle = config.idleSupplier();
        MediaDriver.Context context = new MediaDriver.Context().aeronDirectoryName(directory)
                .dirDeleteOnStart(true).dirDeleteOnShutdown(true).termBufferSparseFile(false)
                .threadingMode(config.threading())
                .conductorIdleStrategy(idle.get()).senderIdleStrategy(idle.get()).receiverIdleStrategy(idle.get())
                .sharedNetworkIdleStrategy(idle.get()).sharedIdleStrategy(idle.get())
                .socketSndbufLength(config.socketBufferBytes()).socketRcvbufLength(config.socketBufferBytes())
                .initialWindowLength(config.maxWindowBytes());
        open.add(MediaDriver.launch(context));
        Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(directory));
        open.add(aeron);
        return aeron;
    }

    private String channel(int port, int senders) {
        return "aeron:udp?endpoint=127.0.0.1:" + port + "|mtu=" + config.mtuBytes() + "|term-length="
                + config.termLength(senders);
    }

    /** The streams of one mode and how a round runs over them. */
    private abstract class Topology {
        final List<ExclusivePublication> publications = new ArrayList<>();
        final UnsafeBuffer message = new UnsafeBuffer(ByteBuffer.allocateDirect(config.messageBytes()));

        abstract int threads();

        /** Nanoseconds of one round of vectors of {@code size} floats. */
        abstract long run(int size, ExecutorService threads) throws Exception;

        void awaitConnected() throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            for (ExclusivePublication publication : publications) {
                while (!publication.isConnected()) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("raw peer: a publication not connected after 30 s");
                    }
                    Thread.sleep(1);
                }
            }
        }

        ExclusivePublication publication(Aeron aeron, int port, int stream, int senders, List<AutoCloseable> open) {
            ExclusivePublication publication = aeron.addExclusivePublication(channel(port, senders), stream);
            open.add(publication);
            publications.add(publication);
            return publication;
        }

        Subscription subscription(Aeron aeron, int port, int stream, List<AutoCloseable> open) {
            Subscription subscription = aeron.addSubscription("aeron:udp?endpoint=127.0.0.1:" + port, stream);
            open.add(subscription);
            return subscription;
        }

        /**
         * Offers up to {@link #BURST} messages of the {@code total} bytes a stream carries, of which
         * {@code sent} are sent; the bytes sent after.
         */
        long offer(ExclusivePublication publication, long sent, long total) {
            int length = message.capacity();
            for (int k = 0; k < BURST && sent < total; k++) {
                int n = (int) Math.min(length, total - sent);
                if (publication.offer(message, 0, n) < 0) {
                    break;
                }
                sent += n;
            }
            return sent;
        }

        long timed(ExecutorService threads, List<Runnable> tasks) throws Exception {
            long start = System.nanoTime();
            List<Future<?>> futures = new ArrayList<>();
            for (Runnable task : tasks) {
                futures.add(threads.submit(task));
            }
            for (Future<?> future : futures) {
                future.get(TIMEOUT_NS, TimeUnit.NANOSECONDS);
            }
            return System.nanoTime() - start;
        }

        void checkDeadline(long deadline) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("raw peer: a round did not finish in 10 min");
            }
        }
    }

    /** N workers → one server subscription; the server → N worker subscriptions. */
    private final class ServerTopology extends Topology {
        private final int workers;
        private final Subscription serverIn;
        private final ExclusivePublication[] push;
        private final ExclusivePublication[] result;
        private final Subscription[] workerIn;

        ServerTopology(Aeron server, Aeron workerDriver, int workers, List<AutoCloseable> open) {
            this.workers = workers;
            int port = Ports.freeUdpPortPair();
            serverIn = subscription(server, port, PUSH_STREAM, open);
            push = new ExclusivePublication[workers];
            result = new ExclusivePublication[workers];
            workerIn = new Subscription[workers];
            for (int w = 0; w < workers; w++) {
                int workerPort = Ports.freeUdpPortPair();
                workerIn[w] = subscription(workerDriver, workerPort, RESULT_STREAM, open);
                push[w] = publication(workerDriver, port, PUSH_STREAM, workers, open);
                result[w] = publication(server, workerPort, RESULT_STREAM, 1, open);
            }
        }

        @Override
        int threads() {
            return workers + 1;
        }

        @Override
        long run(int size, ExecutorService threads) throws Exception {
            long bytes = (long) size * Float.BYTES;
            long deadline = System.nanoTime() + TIMEOUT_NS;
            List<Runnable> tasks = new ArrayList<>();
            tasks.add(() -> serve(bytes, deadline));
            for (int w = 0; w < workers; w++) {
                int worker = w;
                tasks.add(() -> work(worker, bytes, deadline));
            }
            return timed(threads, tasks);
        }

        private void serve(long bytes, long deadline) {
            IdleStrategy idle = config.idleSupplier().get();
            long[] received = {0};
            FragmentHandler counter = (buffer, offset, length, header) -> received[0] += length;
            long expected = bytes * workers;
            while (received[0] < expected) {
                checkDeadline(deadline);
                idle.idle(serverIn.poll(counter, FRAGMENT_LIMIT));
            }
            long[] sent = new long[workers];
            int done = 0;
            while (done < workers) {
                checkDeadline(deadline);
                done = 0;
                long progress = 0;
                for (int w = 0; w < workers; w++) {
                    long before = sent[w];
                    sent[w] = offer(result[w], sent[w], bytes);
                    progress += sent[w] - before;
                    done += sent[w] == bytes ? 1 : 0;
                }
                idle.idle(progress > 0 ? 1 : 0);
            }
        }

        private void work(int worker, long bytes, long deadline) {
            IdleStrategy idle = config.idleSupplier().get();
            long sent = 0;
            long[] received = {0};
            FragmentHandler counter = (buffer, offset, length, header) -> received[0] += length;
            while (sent < bytes || received[0] < bytes) {
                checkDeadline(deadline);
                long before = sent;
                sent = offer(push[worker], sent, bytes);
                int fragments = workerIn[worker].poll(counter, FRAGMENT_LIMIT);
                idle.idle(fragments + (int) Math.min(1, sent - before));
            }
        }
    }

    /** Every node: a publication to every owner, one to every node for results, and two subscriptions. */
    private final class ShardedTopology extends Topology {
        private final int nodes;
        private final Subscription[] ownerIn;
        private final Subscription[] resultIn;
        private final ExclusivePublication[][] push;
        private final ExclusivePublication[][] result;

        ShardedTopology(Aeron aeron, int nodes, List<AutoCloseable> open) {
            this.nodes = nodes;
            int[] ownerPorts = new int[nodes];
            int[] resultPorts = new int[nodes];
            ownerIn = new Subscription[nodes];
            resultIn = new Subscription[nodes];
            for (int w = 0; w < nodes; w++) {
                ownerPorts[w] = Ports.freeUdpPortPair();
                resultPorts[w] = Ports.freeUdpPortPair();
                ownerIn[w] = subscription(aeron, ownerPorts[w], PUSH_STREAM, open);
                resultIn[w] = subscription(aeron, resultPorts[w], RESULT_STREAM, open);
            }
            push = new ExclusivePublication[nodes][nodes];
            result = new ExclusivePublication[nodes][nodes];
            for (int w = 0; w < nodes; w++) {
                for (int r = 0; r < nodes; r++) {
                    push[w][r] = publication(aeron, ownerPorts[r], PUSH_STREAM, nodes, open);
                    result[w][r] = publication(aeron, resultPorts[r], RESULT_STREAM, nodes, open);
                }
            }
        }

        @Override
        int threads() {
            return nodes;
        }

        @Override
        long run(int size, ExecutorService threads) throws Exception {
            ShardLayout layout = new ShardLayout(size, 0, nodes);
            long deadline = System.nanoTime() + TIMEOUT_NS;
            List<Runnable> tasks = new ArrayList<>();
            for (int w = 0; w < nodes; w++) {
                int node = w;
                tasks.add(() -> node(node, layout, (long) size * Float.BYTES, deadline));
            }
            return timed(threads, tasks);
        }

        private void node(int self, ShardLayout layout, long vectorBytes, long deadline) {
            IdleStrategy idle = config.idleSupplier().get();
            long ownBytes = (long) layout.parameters(self) * Float.BYTES;
            long[] ownerReceived = {0};
            long[] resultReceived = {0};
            FragmentHandler ownerCounter = (buffer, offset, length, header) -> ownerReceived[0] += length;
            FragmentHandler resultCounter = (buffer, offset, length, header) -> resultReceived[0] += length;
            int pushing = 1; // k: sending range (self + k) % nodes, k = 1..nodes
            long pushSent = 0;
            long[] resultSent = new long[nodes];
            int resultsDone = 0;
            while (pushing <= nodes || resultsDone < nodes || resultReceived[0] < vectorBytes) {
                checkDeadline(deadline);
                long progress = 0;
                if (pushing <= nodes) {
                    int r = (self + pushing) % nodes;
                    long total = (long) layout.parameters(r) * Float.BYTES;
                    long before = pushSent;
                    pushSent = offer(push[self][r], pushSent, total);
                    progress += pushSent - before;
                    if (pushSent == total) {
                        pushing++;
                        pushSent = 0;
                    }
                }
                progress += ownerIn[self].poll(ownerCounter, FRAGMENT_LIMIT);
                if (ownerReceived[0] == ownBytes * nodes && resultsDone < nodes) {
                    resultsDone = 0;
                    for (int k = 1; k <= nodes; k++) {
                        int t = (self + k) % nodes;
                        long before = resultSent[t];
                        resultSent[t] = offer(result[self][t], resultSent[t], ownBytes);
                        progress += resultSent[t] - before;
                        resultsDone += resultSent[t] == ownBytes ? 1 : 0;
                    }
                }
                progress += resultIn[self].poll(resultCounter, FRAGMENT_LIMIT);
                idle.idle((int) Math.min(1, progress));
            }
        }
    }
}
