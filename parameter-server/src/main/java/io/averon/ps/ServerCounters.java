package io.averon.ps;

import io.averon.ps.protocol.Refusal;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The server's counters, its only ones: written by its agent thread, readable from any thread.
 * Round counts, refusals by reason, late contributions, workers declared dead and how late each
 * worker's contributions completed are kept here alone ({@link io.averon.ps.round.RoundCoordinator}
 * reports and returns what it decides, and counts nothing).
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
    /** By worker id: ms its contributions to closed rounds completed after each round's earliest, summed. */
    private final RoundLagHistory roundLag;

    /** @param workers the expected workers: worker ids are below it */
    ServerCounters(int workers) {
        roundLag = new RoundLagHistory(workers);
    }

    void refused(Refusal reason) {
        refused.incrementAndGet(reason.ordinal());
    }

    /** A closed round's contributors and how late each one's contribution completed ({@code RoundOutcome.Closed}). */
    void roundLag(long round, int[] contributors, long[] lagMs) {
        roundLag.closed(round, contributors, lagMs);
    }

    /**
     * By worker id, how late its contributions completed in ms, summed over the rounds closed up to
     * round {@code round} (as in {@link Snapshot#roundLagMs()}); null once the server no longer keeps
     * that round's sums (it keeps the newest {@value RoundLagHistory#KEPT} closed rounds').
     */
    public long[] roundLagMsThrough(long round) {
        return roundLag.through(round);
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
        List<Long> lagMs = Arrays.stream(roundLag.totals()).boxed().toList();
        return new Snapshot(roundsClosed.get(), roundsFailed.get(), bytesIn.get(), bytesOut.get(),
                lateContributions.get(), workersDeclaredDead.get(), workersExcluded.get(), sendBackPressured.get(), lastRoundLatencyMs.get(),
                totalRoundLatencyMs.get(), lastClosedRound.get(), destinations.get(), admittedSessions.get(),
                handshakeBytesIn.get(), handshakeBytesOut.get(), byReason, lagMs);
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
     * @param roundLagMs by worker id (a hierarchical group's leader stands for its group): how late its
     *                   contributions completed, in ms after each closed round's earliest contribution,
     *                   summed over the rounds; the worker that held the rounds up has the largest
     */
    public record Snapshot(long roundsClosed, long roundsFailed, long bytesIn, long bytesOut, long lateContributions,
                           long workersDeclaredDead, long workersExcluded, long sendRetries, long lastRoundLatencyMs,
                           long totalRoundLatencyMs, long lastClosedRound, long destinations,
                           long admittedSessions, long handshakeBytesIn, long handshakeBytesOut,
                           Map<Refusal, Long> refused, List<Long> roundLagMs) {

        /** Total messages dropped. */
        public long refusedTotal() {
            return refused.values().stream().mapToLong(Long::longValue).sum();
        }
    }
}
