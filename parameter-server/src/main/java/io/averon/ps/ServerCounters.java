package io.averon.ps;

import io.averon.ps.protocol.Refusal;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The server's counters, its only ones: written by its agent thread, readable from any thread.
 * Round counts, refusals by reason, late contributions and workers declared dead are kept here
 * alone ({@link io.averon.ps.round.RoundCoordinator} reports and returns what it decides, and
 * counts nothing).
 */
public final class ServerCounters {

    final AtomicLong roundsClosed = new AtomicLong();
    final AtomicLong roundsFailed = new AtomicLong();
    final AtomicLong bytesIn = new AtomicLong();
    final AtomicLong bytesOut = new AtomicLong();
    /** PUSH messages refused WRONG_ROUND for a round that had already ended. */
    final AtomicLong lateContributions = new AtomicLong();
    /** Times a live worker was declared dead for silence (heartbeat timeout). */
    final AtomicLong workersDeclaredDead = new AtomicLong();
    /** Joined workers left out of closed rounds under the quorum rule, summed over the rounds. */
    final AtomicLong workersExcluded = new AtomicLong();
    final AtomicLong lastRoundLatencyMs = new AtomicLong();
    final AtomicLong totalRoundLatencyMs = new AtomicLong();
    final AtomicLong lastClosedRound = new AtomicLong();
    /** Streams the server sends on, one per worker join session (fresh JOINs only). */
    final AtomicLong destinations = new AtomicLong();
    /** Aeron sessions (worker publications) the server subscribes to. */
    final AtomicLong admittedSessions = new AtomicLong();
    /** UDP bytes received and sent on the handshake port. */
    final AtomicLong handshakeBytesIn = new AtomicLong();
    final AtomicLong handshakeBytesOut = new AtomicLong();
    /** Offers the server found back-pressured (a worker's window full), summed over its streams. */
    final AtomicLong sendBackPressured = new AtomicLong();
    private final AtomicLongArray refused = new AtomicLongArray(Refusal.values().length);

    void refused(Refusal reason) {
        refused.incrementAndGet(reason.ordinal());
    }

    /** A consistent-enough copy for logs and tests. */
    public Snapshot snapshot() {
        Map<Refusal, Long> byReason = new EnumMap<>(Refusal.class);
        for (Refusal r : Refusal.values()) {
            long n = refused.get(r.ordinal());
            if (n > 0) {
                byReason.put(r, n);
            }
        }
        return new Snapshot(roundsClosed.get(), roundsFailed.get(), bytesIn.get(), bytesOut.get(),
                lateContributions.get(), workersDeclaredDead.get(), workersExcluded.get(), sendBackPressured.get(), lastRoundLatencyMs.get(),
                totalRoundLatencyMs.get(), lastClosedRound.get(), destinations.get(), admittedSessions.get(),
                handshakeBytesIn.get(), handshakeBytesOut.get(), byReason);
    }

    /**
     * Counter values at one moment.
     *
     * @param lateContributions PUSH messages (chunks) refused for a round that had already ended
     * @param workersDeclaredDead times a live worker was declared dead for silence
     * @param workersExcluded joined workers a closed round left out under the quorum rule, summed over the rounds
     * @param sendRetries offers the server found back-pressured and retried later (a worker's window full)
     * @param destinations streams the server sends on (one per worker join session)
     * @param admittedSessions Aeron sessions (worker publications) the server reads
     * @param handshakeBytesIn UDP bytes received on the handshake port (PORT + 1)
     * @param handshakeBytesOut UDP bytes the server sent from it (CHALLENGEs, REFUSEDs)
     * @param refused messages dropped, by reason (only reasons that occurred)
     */
    public record Snapshot(long roundsClosed, long roundsFailed, long bytesIn, long bytesOut, long lateContributions,
                           long workersDeclaredDead, long workersExcluded, long sendRetries, long lastRoundLatencyMs,
                           long totalRoundLatencyMs, long lastClosedRound, long destinations,
                           long admittedSessions, long handshakeBytesIn, long handshakeBytesOut,
                           Map<Refusal, Long> refused) {

        /** Total messages dropped. */
        public long refusedTotal() {
            return refused.values().stream().mapToLong(Long::longValue).sum();
        }
    }
}
