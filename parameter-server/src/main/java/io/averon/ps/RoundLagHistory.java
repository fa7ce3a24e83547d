package io.averon.ps;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * Per worker, how late its contributions to closed rounds completed (ms after each round's earliest
 * contribution), summed: in total, and as the sums stood when each of the last {@value #KEPT} closed
 * rounds closed. A reader that knows which rounds made up a stretch of training (the driver knows
 * each epoch's last round number) takes exactly their lag, however many later rounds have closed
 * since. Written by the server's agent thread, read from any thread.
 */
final class RoundLagHistory {

    /** Closed rounds whose sums are kept: far more than close while a reader handles one epoch. */
    static final int KEPT = 1024;

    private final long[] totals;
    /** By closed round: the sums once it closed; the newest {@value #KEPT}. */
    private final TreeMap<Long, long[]> byRound = new TreeMap<>();
    /** Whether older rounds' sums were dropped: rounds before the oldest kept can no longer be answered. */
    private boolean dropped;

    /** @param workers the expected workers: worker ids are below it */
    RoundLagHistory(int workers) {
        totals = new long[workers];
    }

    /** Round {@code round} closed with these contributors, each {@code lagMs[k]} late. */
    synchronized void closed(long round, int[] contributors, long[] lagMs) {
        for (int k = 0; k < contributors.length; k++) {
            totals[contributors[k]] += lagMs[k];
        }
        byRound.put(round, totals.clone());
        if (byRound.size() > KEPT) {
            byRound.pollFirstEntry();
            dropped = true;
        }
    }

    /** The sums over every closed round. */
    synchronized long[] totals() {
        return totals.clone();
    }

    /**
     * The sums over the rounds closed up to round {@code round} (numbered as the workers push them;
     * a round that did not close adds nothing), or null when they are no longer kept.
     */
    synchronized long[] through(long round) {
        Map.Entry<Long, long[]> newest = byRound.floorEntry(round);
        if (newest != null) {
            return newest.getValue().clone();
        }
        return dropped ? null : new long[totals.length];
    }

    @Override
    public synchronized String toString() {
        return "lag ms " + Arrays.toString(totals) + " over " + byRound.size() + " kept rounds";
    }
}
