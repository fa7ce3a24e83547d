package io.averon.ps.round;

/**
 * How a {@link RoundCoordinator} runs its rounds. Validated completely on construction; build it
 * with {@link #builder()}.
 *
 * @param expectedWorkers    workers training in each round (the Spark tasks), {@code >= 1}; no
 *                           round closes early before this many distinct workers have joined
 * @param roundTimeoutMs     how long a round waits after its first contribution for the others
 *                           before it closes with those that arrived (or fails below the quorum),
 *                           {@code > 0}; stretched to half the time the first contributor trained,
 *                           if that is longer ({@link RoundCoordinator})
 * @param heartbeatTimeoutMs silence after which a worker is declared dead and no longer awaited,
 *                           {@code > 0}
 * @param quorum             fewest contributions a round may close with, {@code 1 .. expectedWorkers}
 * @param outerOptimizer     what is applied to each round's average
 * @param maxUpdateNorm      the largest L2 norm a contribution's parameters may move from the last
 *                           global vector (0 = no bound); a contribution beyond it is refused
 */
public record RoundSettings(int expectedWorkers, long roundTimeoutMs, long heartbeatTimeoutMs, int quorum,
                            OuterOptimizer outerOptimizer, double maxUpdateNorm) {

    /** Default {@link #roundTimeoutMs}: one minute. */
    public static final long DEFAULT_ROUND_TIMEOUT_MS = 60_000;
    /** Default {@link #heartbeatTimeoutMs}: ten seconds (a JVM under GC or a loaded executor may be silent for seconds). */
    public static final long DEFAULT_HEARTBEAT_TIMEOUT_MS = 10_000;

    public RoundSettings {
        if (expectedWorkers < 1) {
            throw new IllegalArgumentException("expectedWorkers must be >= 1 (the number of workers that train"
                    + " in each round), got " + expectedWorkers);
        }
        if (roundTimeoutMs <= 0) {
            throw new IllegalArgumentException("roundTimeoutMs must be > 0 (a round must never wait forever;"
                    + " the default is " + DEFAULT_ROUND_TIMEOUT_MS + "), got " + roundTimeoutMs);
        }
        if (heartbeatTimeoutMs <= 0) {
            throw new IllegalArgumentException("heartbeatTimeoutMs must be > 0 (silence after which a worker"
                    + " is declared dead; the default is " + DEFAULT_HEARTBEAT_TIMEOUT_MS + "), got "
                    + heartbeatTimeoutMs);
        }
        if (quorum < 1 || quorum > expectedWorkers) {
            throw new IllegalArgumentException("quorum must be between 1 and expectedWorkers (" + expectedWorkers
                    + "), got " + quorum + "; the default is a majority (" + majority(expectedWorkers) + ")");
        }
        if (outerOptimizer == null) {
            throw new IllegalArgumentException("outerOptimizer must not be null; use new OuterOptimizer.Plain()"
                    + " for plain averaging");
        }
        if (!(maxUpdateNorm >= 0) || Double.isInfinite(maxUpdateNorm)) {
            throw new IllegalArgumentException("maxUpdateNorm must be a finite number >= 0 (0 = no bound), got "
                    + maxUpdateNorm);
        }
    }

    /** The slowest transfer rate a worker's wait allows for: 10 MB/s (a busy 100 Mbit/s link). */
    public static final long SLOWEST_BYTES_PER_SECOND = 10_000_000;

    /**
     * How long a worker waits for a round's result after pushing, so that it gives up only when
     * the round cannot have closed: the round's wait ({@code roundTimeoutMs}, or the longer
     * training the class comment of {@link RoundCoordinator} allows, which is at most this
     * worker's own training time {@code trainedMs} if it was the first to push), plus
     * {@code workers} vectors of {@code vectorBytes} at {@link #SLOWEST_BYTES_PER_SECOND}, plus
     * the heartbeat timeout.
     */
    public static long workerWaitMs(long roundTimeoutMs, long trainedMs, long vectorBytes, int workers,
                                    long heartbeatTimeoutMs) {
        long transferMs = vectorBytes * workers * 1000 / SLOWEST_BYTES_PER_SECOND;
        return Math.max(roundTimeoutMs, trainedMs) + transferMs + heartbeatTimeoutMs;
    }

    /** A builder with the defaults; {@link Builder#expectedWorkers(int)} must be set. */
    public static Builder builder() {
        return new Builder();
    }

    /** {@code expectedWorkers / 2 + 1}: the default quorum. */
    public static int majority(int expectedWorkers) {
        return expectedWorkers / 2 + 1;
    }

    /** Collects settings; {@link #build()} validates them. Not thread-safe. */
    public static final class Builder {
        private Integer expectedWorkers;
        private long roundTimeoutMs = DEFAULT_ROUND_TIMEOUT_MS;
        private long heartbeatTimeoutMs = DEFAULT_HEARTBEAT_TIMEOUT_MS;
        private Integer quorum;
        private OuterOptimizer outerOptimizer = new OuterOptimizer.Plain();
        private double maxUpdateNorm;

        private Builder() {
        }

        /** Required. */
        public Builder expectedWorkers(int expectedWorkers) {
            this.expectedWorkers = expectedWorkers;
            return this;
        }

        public Builder roundTimeoutMs(long roundTimeoutMs) {
            this.roundTimeoutMs = roundTimeoutMs;
            return this;
        }

        public Builder heartbeatTimeoutMs(long heartbeatTimeoutMs) {
            this.heartbeatTimeoutMs = heartbeatTimeoutMs;
            return this;
        }

        /** Default: a majority of {@code expectedWorkers}. */
        public Builder quorum(int quorum) {
            this.quorum = quorum;
            return this;
        }

        public Builder outerOptimizer(OuterOptimizer outerOptimizer) {
            this.outerOptimizer = outerOptimizer;
            return this;
        }

        /** Default 0: no bound on how far a contribution may move the parameters. */
        public Builder maxUpdateNorm(double maxUpdateNorm) {
            this.maxUpdateNorm = maxUpdateNorm;
            return this;
        }

        public RoundSettings build() {
            if (expectedWorkers == null) {
                throw new IllegalArgumentException("expectedWorkers must be set (the number of workers that train"
                        + " in each round)");
            }
            int effectiveQuorum = quorum != null ? quorum : majority(expectedWorkers);
            return new RoundSettings(expectedWorkers, roundTimeoutMs, heartbeatTimeoutMs, effectiveQuorum,
                    outerOptimizer, maxUpdateNorm);
        }
    }
}
