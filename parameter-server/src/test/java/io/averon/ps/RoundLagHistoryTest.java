package io.averon.ps;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Per-worker lag sums, in total and as they stood once each recent round closed. */
@Tag("fast")
class RoundLagHistoryTest {

    private final RoundLagHistory history = new RoundLagHistory(3);

    @Test
    void shouldAnswerTheSumsThroughARoundWhateverClosedAfterIt() {
        history.closed(1, new int[] {0, 1, 2}, new long[] {0, 20, 300});
        history.closed(3, new int[] {0, 2}, new long[] {50, 0}); // round 2 failed; worker 1 left out of round 3
        history.closed(4, new int[] {0, 1, 2}, new long[] {0, 0, 9});

        assertArrayEquals(new long[] {0, 0, 0}, history.through(0), "before any round closed");
        assertArrayEquals(new long[] {0, 20, 300}, history.through(1));
        assertArrayEquals(new long[] {0, 20, 300}, history.through(2), "a round that did not close adds nothing");
        assertArrayEquals(new long[] {50, 20, 300}, history.through(3));
        assertArrayEquals(new long[] {50, 20, 309}, history.through(99));
        assertArrayEquals(new long[] {50, 20, 309}, history.totals());
    }

    @Test
    void shouldKeepOnlyTheNewestRoundsAndSaySoForOlderOnes() {
        for (long round = 1; round <= RoundLagHistory.KEPT + 2; round++) {
            history.closed(round, new int[] {0, 1, 2}, new long[] {1, 0, 0});
        }

        assertNull(history.through(0), "round 0's sums were dropped with rounds 1 and 2");
        assertNull(history.through(2));
        assertArrayEquals(new long[] {3, 0, 0}, history.through(3));
        assertArrayEquals(new long[] {RoundLagHistory.KEPT + 2, 0, 0}, history.totals());
    }
}
