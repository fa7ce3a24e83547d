package io.averon.ps.protocol;

import java.util.Arrays;

/**
 * Per-sender replay protection: a message is accepted only if its sequence is greater than the
 * last accepted one from the same sender. Senders start at sequence 1 for each attempt; a new
 * attempt (a re-launched task) resets its window.
 */
public final class ReplayWindow {

    private final long[] lastSequence;
    private final int[] lastAttempt;

    /** Room for sender ids {@code 0 .. maxSenderId}. */
    public ReplayWindow(int maxSenderId) {
        lastSequence = new long[maxSenderId + 1];
        lastAttempt = new int[maxSenderId + 1];
        Arrays.fill(lastAttempt, -1);
    }

    /**
     * Whether {@code (attempt, sequence)} from {@code sender} is fresh; if so it becomes the last
     * accepted. An older attempt than the last seen is never fresh.
     */
    public boolean accept(int sender, int attempt, long sequence) {
        if (attempt < lastAttempt[sender]) {
            return false;
        }
        if (attempt > lastAttempt[sender]) {
            lastAttempt[sender] = attempt;
            lastSequence[sender] = 0;
        }
        if (sequence <= lastSequence[sender]) {
            return false;
        }
        lastSequence[sender] = sequence;
        return true;
    }
}
