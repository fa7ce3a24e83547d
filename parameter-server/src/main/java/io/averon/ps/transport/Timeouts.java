package io.averon.ps.transport;

import io.averon.ps.round.RoundSettings;

import java.util.concurrent.TimeUnit;

/**
 * Every fixed timeout of the parameter server's transport, in one place, each set explicitly
 * (Aeron's own included, rather than left to its defaults). The configurable ones are settings: the
 * round and heartbeat timeouts ({@link RoundSettings}), a worker's wait for a round's result
 * ({@link RoundSettings#workerWaitMs}, derived) and the connect timeout (the client's and the
 * Spark engine's settings). {@link #describe} names them all in one line, which the server and the
 * Spark driver log at start.
 */
public final class Timeouts {

    /**
     * Aeron's publication connection timeout: a publication that has heard no status message from
     * its subscriber for this long is not connected (Aeron's default).
     */
    public static final long PUBLICATION_CONNECTION_MS = 5_000;
    /** Aeron's image liveness timeout: an image silent this long is closed (Aeron's default). */
    public static final long IMAGE_LIVENESS_MS = 10_000;
    /**
     * How long a connection may stay lost before a sender or a waiting receiver gives up, naming the
     * peer as unreachable. Aeron declares a publication not connected after
     * {@link #PUBLICATION_CONNECTION_MS} without a status message; on a lossy link or a CPU-starved
     * host that happens for a moment to a live peer, and a gone peer stays gone.
     */
    public static final long DISCONNECTED_GRACE_MS = 10_000;
    /**
     * How long a media driver and its clients may go without hearing from each other (Aeron's
     * default is 10 s, which aborted training on a CPU-starved 2-core machine: conductor service
     * intervals of 11-15 s). Averon's heartbeats and round timeouts decide when a peer is gone;
     * this only keeps Aeron from tearing down a live connection of a briefly starved JVM.
     */
    public static final long CLIENT_LIVENESS_MS = 60_000;
    /** How long a publication blocked by a vanished client stays blocked: the liveness timeout plus 15 s. */
    public static final long PUBLICATION_UNBLOCK_MS = CLIENT_LIVENESS_MS + 15_000;
    /** A worker's join that got its CHALLENGE and never completed is forgotten after this long. */
    public static final long PENDING_JOIN_MS = 30_000;
    /**
     * How long a joining worker's HELLO, padded to the MTU, may go unanswered once a small probe got
     * through both ways, before the join fails naming the MTU that fits (PROTOCOL.md, "Joining"):
     * long enough that random loss (of one fragment of each, too) does not pass for a smaller MTU.
     */
    public static final long MTU_VERDICT_MS = 2_000;

    private Timeouts() {
    }

    /** {@code ms} in nanoseconds, for Aeron's contexts. */
    static long nanos(long ms) {
        return TimeUnit.MILLISECONDS.toNanos(ms);
    }

    /**
     * The timeouts of a job's rounds in one line: the round's settings and the fixed ones above (a
     * worker's connect timeout is its own setting, and its caller names it).
     */
    public static String describe(RoundSettings rounds) {
        return "round " + seconds(rounds.roundTimeoutMs()) + " after its first contribution (or half the first"
                + " contributor's training, if longer), heartbeat " + seconds(rounds.heartbeatTimeoutMs())
                + " (quorum " + rounds.quorum() + " of " + rounds.expectedWorkers() + "), a worker's wait for a result"
                + " the round's + the transfer at " + RoundSettings.SLOWEST_BYTES_PER_SECOND / 1_000_000
                + " MB/s + the heartbeat's, disconnected grace "
                + seconds(DISCONNECTED_GRACE_MS) + ", Aeron publication connection " + seconds(PUBLICATION_CONNECTION_MS)
                + ", image liveness " + seconds(IMAGE_LIVENESS_MS) + ", client liveness " + seconds(CLIENT_LIVENESS_MS)
                + ", publication unblock " + seconds(PUBLICATION_UNBLOCK_MS) + ", pending join "
                + seconds(PENDING_JOIN_MS) + ", MTU verdict " + seconds(MTU_VERDICT_MS);
    }

    /** {@code ms} as seconds for a message: "10 s", "0.5 s". */
    public static String seconds(long ms) {
        return ms % 1000 == 0 ? ms / 1000 + " s" : ms / 1000.0 + " s";
    }
}
