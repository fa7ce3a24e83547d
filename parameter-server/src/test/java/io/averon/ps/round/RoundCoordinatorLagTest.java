package io.averon.ps.round;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.averon.ps.round.RoundTestSupport.closed;
import static io.averon.ps.round.RoundTestSupport.joined;
import static io.averon.ps.round.RoundTestSupport.push;
import static io.averon.ps.round.RoundTestSupport.settings;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * How late each contribution to a closed round completed ({@link RoundOutcome.Closed#lagMs}): the
 * straggler a synchronous round waited for, on a clock the test drives.
 */
@Tag("fast")
class RoundCoordinatorLagTest {

    private static final float[] ONE = {1f};

    @Test
    void shouldGiveEachContributorItsLagBehindTheRoundsFirstContributionWhenTheRoundCloses() {
        RoundCoordinator coordinator = joined(settings(3).build(), 1, 2, 3);
        assertNull(push(coordinator, 3, 1, 1, ONE, 1_000));
        assertNull(push(coordinator, 1, 1, 1, ONE, 1_030));
        assertNull(push(coordinator, 2, 1, 1, ONE, 2_300));

        RoundOutcome.Closed closed = closed(coordinator.poll(2_300));
        assertArrayEquals(new int[] {1, 2, 3}, closed.contributors());
        assertArrayEquals(new long[] {30, 1_300, 0}, closed.lagMs(), "in the contributors' order; the first has none, "
                + "the last's is what the round waited for it");
    }

    @Test
    void shouldMeasureEveryRoundFromItsOwnFirstContribution() {
        RoundCoordinator coordinator = joined(settings(2).build(), 0, 1);
        push(coordinator, 0, 1, 1, ONE, 100);
        push(coordinator, 1, 1, 1, ONE, 900);
        assertArrayEquals(new long[] {0, 800}, closed(coordinator.poll(900)).lagMs());

        push(coordinator, 1, 2, 1, ONE, 5_000);
        push(coordinator, 0, 2, 1, ONE, 5_040);
        assertArrayEquals(new long[] {40, 0}, closed(coordinator.poll(5_040)).lagMs(), "round 2: worker 0 was last");
    }

    @Test
    void shouldMeasureFromTheEarliestContributionThatCountsWhenTheFirstContributorRejoined() {
        RoundCoordinator coordinator = joined(settings(2).build(), 1, 2);
        push(coordinator, 1, 1, 1, ONE, 0);
        coordinator.join(1, 50); // a relaunched task: its contribution is withdrawn, it pushes again
        push(coordinator, 2, 1, 1, ONE, 100);
        push(coordinator, 1, 1, 1, ONE, 700);

        assertArrayEquals(new long[] {600, 0}, closed(coordinator.poll(700)).lagMs());
    }

    @Test
    void shouldGiveNoLagToAWorkerTheRoundClosedWithoutUnderTheQuorum() {
        RoundCoordinator coordinator = joined(settings(3).quorum(2).heartbeatTimeoutMs(100_000).build(), 1, 2, 3);
        push(coordinator, 1, 1, 1, ONE, 10);
        push(coordinator, 3, 1, 1, ONE, 25);

        RoundOutcome.Closed closed = closed(coordinator.poll(60_010));
        assertEquals(List.of(2), closed.excluded());
        assertArrayEquals(new int[] {1, 3}, closed.contributors());
        assertArrayEquals(new long[] {0, 15}, closed.lagMs(), "only contributions have a lag; the excluded worker is "
                + "counted as excluded");
    }
}
