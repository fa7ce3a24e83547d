package io.averon.ps.round;

import java.util.List;

/** How a round ended, as returned by {@link RoundCoordinator#poll(long)}. */
public sealed interface RoundOutcome permits RoundOutcome.Closed, RoundOutcome.Failed {

    /** The round that ended. */
    long round();

    /**
     * The round closed and produced a new global vector.
     *
     * @param round        the round that closed
     * @param global       the server-owned result vector; only its first {@code valueCount} elements
     *                     are this round's result. <b>It is reused across rounds</b>: copy it, send
     *                     it or persist it before the next {@link RoundCoordinator#poll(long)}, and
     *                     never modify it
     * @param valueCount   how many values the result has: the parameter count, or the parameter
     *                     plus updater-state count when the contributors sent updater state
     * @param contributors the workers whose contributions were accepted, ascending (including any
     *                     that reported zero samples and so weighed nothing)
     * @param totalSamples the sum of the contributors' sample counts
     * @param latencyMs    time from the round's opening to its close
     * @param excluded     workers that joined and are not in this round (declared dead, or silent
     *                     past the round's wait, under the quorum rule), ascending; workers that
     *                     left are not excluded
     */
    record Closed(long round, float[] global, int valueCount, int[] contributors, long totalSamples,
                  long latencyMs, List<Integer> excluded) implements RoundOutcome {
        public Closed {
            excluded = List.copyOf(excluded);
        }
    }

    /**
     * The round ended without a result; the global vector is unchanged.
     *
     * @param round          the round that failed
     * @param missingWorkers workers that joined and did not contribute (live but silent, or declared
     *                       dead), ascending; workers that left are not missing
     * @param reason         one line a user can act on
     */
    record Failed(long round, List<Integer> missingWorkers, String reason) implements RoundOutcome {
        public Failed {
            missingWorkers = List.copyOf(missingWorkers);
        }
    }
}
