package io.averon.benchmarks.sim;

/**
 * One simulated run: who averages, how many workers and floats, how many rounds, how the workers
 * are packed into host JVMs, and Aeron's frame and term sizes. Build with {@link #builder()}.
 *
 * @param mode           who averages
 * @param workers        N
 * @param parameters     M floats per vector
 * @param rounds         R rounds (the first is a warm-up, left out of the median)
 * @param workersPerHost worker threads per host JVM (each host one link)
 * @param hierarchical   whether a host's workers form a {@link io.averon.ps.group.TaskGroup}: they average in
 *                       memory and only the group's leader crosses the network (PROTOCOL.md, "Hierarchical
 *                       rounds"); the leaders are then the server's workers or the shard owners
 * @param mtuBytes       Aeron MTU (8 KiB frames fit the simulated hosts' 9,000-byte links)
 * @param termLength     Aeron term length of every stream (its window is half of it)
 * @param seed           seed of the synthetic contributions
 * @param timeoutMs      bound on every wait in the host JVMs, and the rounds' timeout
 * @param heartbeatTimeoutMs the rounds' heartbeat timeout (silence after which a worker is declared dead)
 * @param quorum         fewest workers a round may close with (the flat server mode alone may leave
 *                       workers out: the others need all of them)
 * @param stateDirectory where the server keeps its closed rounds, so that a later run on the same
 *                       directory resumes them (server mode); null: none
 * @param sampleEvery    every how many rounds each host JVM samples its {@link ResourceUsage} (0: never)
 */
public record RunSpec(AveragingMode mode, int workers, int parameters, int rounds, int workersPerHost,
                      boolean hierarchical, int mtuBytes, int termLength, long seed, long timeoutMs,
                      long heartbeatTimeoutMs, int quorum, java.nio.file.Path stateDirectory, int sampleEvery) {

    public RunSpec {
        if (mode == null || workers < 1 || parameters < workers || rounds < 1 || workersPerHost < 1 || timeoutMs < 1
                || heartbeatTimeoutMs < 1) {
            throw new IllegalArgumentException("invalid run: " + mode + ", " + workers + " workers, " + parameters
                    + " parameters, " + rounds + " rounds, " + workersPerHost + " per host, timeout " + timeoutMs
                    + ", heartbeat timeout " + heartbeatTimeoutMs);
        }
        boolean leavesOut = mode == AveragingMode.SERVER && !hierarchical;
        if (quorum < 1 || quorum > workers || quorum < workers && !leavesOut) {
            throw new IllegalArgumentException("quorum " + quorum + " of " + workers + " workers: only a flat server run"
                    + " may close rounds without some of them");
        }
        if (sampleEvery < 0) {
            throw new IllegalArgumentException("sampleEvery must be >= 0 (0: never), got " + sampleEvery);
        }
        if (stateDirectory != null && mode != AveragingMode.SERVER) {
            throw new IllegalArgumentException("a state directory needs the server mode");
        }
        io.averon.ps.transport.Ports.checkMtu(mtuBytes, termLength);
    }

    /** Hosts the run needs: the workers' hosts, plus host 0 for the server. */
    public int hosts() {
        return workerHosts() + (mode == AveragingMode.SERVER ? 1 : 0);
    }

    /** Hosts that run workers. */
    public int workerHosts() {
        return (workers + workersPerHost - 1) / workersPerHost;
    }

    /** Who takes part in the rounds across the network: every worker, or one leader per host when hierarchical. */
    public int upstreamWorkers() {
        return hierarchical ? workerHosts() : workers;
    }

    /** Heap for a JVM running {@code workersOnHost} workers (0: the server), from the vectors each holds. */
    public long heapBytes(int workersOnHost) {
        long vector = (long) parameters * Float.BYTES;
        if (workersOnHost == 0) { // the server: one staging vector per worker, the global, the outbox's copy
            return (workers + 3L) * vector + (96L << 20);
        }
        // one upstream client: sharded, contribution, gathered result, scatter slices, per-owner results,
        // owner's staging per worker; the server's client: contribution, result, send buffer
        long upstream = (mode == AveragingMode.SHARDED ? 6 : 3) * vector;
        if (hierarchical) { // each member: its contribution and the group's copy of it; one group mean and upstream client
            return workersOnHost * 2 * vector + upstream + (96L << 20);
        }
        return workersOnHost * upstream + (96L << 20);
    }

    /**
     * Resident memory the run needs, roughly: every JVM's heap plus ~120 MB of JVM, plus the Aeron
     * log buffers (3 terms per publication and per image) in {@code /dev/shm}.
     */
    public long memoryBytes() {
        long total = 0;
        int streams;
        if (mode == AveragingMode.SERVER) {
            total += heapBytes(0) + (120L << 20);
            streams = 4 * upstreamWorkers(); // the server's driver: a pub and an image per client; the clients' drivers too
        } else {
            // per upstream worker, to and from each owner: a pub and an image as client, and as owner
            streams = upstreamWorkers() * 4 * upstreamWorkers();
        }
        for (int h = 0; h < workerHosts(); h++) {
            total += heapBytes(Math.min(workersPerHost, workers - h * workersPerHost)) + (120L << 20);
        }
        return total + (long) streams * 3 * termLength;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Defaults: sharded, 5 rounds, 1 worker per host, flat, 8 KiB MTU, 64 KiB terms, seed 42, 120 s
     * timeout, heartbeat timeout RoundSettings' default or a quarter of the timeout if longer, every
     * worker in every round, no state directory, no resource samples.
     */
    public static final class Builder {
        private AveragingMode mode = AveragingMode.SHARDED;
        private int workers;
        private int parameters;
        private int rounds = 5;
        private int workersPerHost = 1;
        private boolean hierarchical;
        private int mtuBytes = 8192;
        private int termLength = 64 * 1024;
        private long seed = 42;
        private long timeoutMs = 120_000;
        private Long heartbeatTimeoutMs;
        private Integer quorum;
        private java.nio.file.Path stateDirectory;
        private int sampleEvery;

        public Builder mode(AveragingMode value) {
            mode = value;
            return this;
        }

        public Builder size(int workerCount, int parameterCount) {
            workers = workerCount;
            parameters = parameterCount;
            return this;
        }

        public Builder rounds(int value) {
            rounds = value;
            return this;
        }

        public Builder workersPerHost(int value) {
            workersPerHost = value;
            return this;
        }

        public Builder hierarchical(boolean value) {
            hierarchical = value;
            return this;
        }

        public Builder mtu(int mtu, int term) {
            mtuBytes = mtu;
            termLength = term;
            return this;
        }

        public Builder seed(long value) {
            seed = value;
            return this;
        }

        public Builder timeoutMs(long value) {
            timeoutMs = value;
            return this;
        }

        public Builder heartbeatTimeoutMs(long value) {
            heartbeatTimeoutMs = value;
            return this;
        }

        public Builder quorum(int value) {
            quorum = value;
            return this;
        }

        public Builder stateDirectory(java.nio.file.Path value) {
            stateDirectory = value;
            return this;
        }

        public Builder sampleEvery(int rounds) {
            sampleEvery = rounds;
            return this;
        }

        public RunSpec build() {
            long heartbeat = heartbeatTimeoutMs != null ? heartbeatTimeoutMs
                    : Math.max(io.averon.ps.round.RoundSettings.DEFAULT_HEARTBEAT_TIMEOUT_MS, timeoutMs / 4);
            return new RunSpec(mode, workers, parameters, rounds, workersPerHost, hierarchical, mtuBytes, termLength, seed,
                    timeoutMs, heartbeat, quorum != null ? quorum : workers, stateDirectory, sampleEvery);
        }
    }
}
