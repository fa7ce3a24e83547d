package io.averon.ps.round;

import io.averon.ps.protocol.Refusal;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

import static io.averon.ps.round.RoundTestSupport.closed;
import static io.averon.ps.round.RoundTestSupport.failed;
import static io.averon.ps.round.RoundTestSupport.push;
import static io.averon.ps.round.RoundTestSupport.result;
import static io.averon.ps.round.RoundTestSupport.settings;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Startup, heartbeats, timeouts, quorum, departures and rejoins, on a clock the test drives. */
@Tag("fast")
class RoundCoordinatorLivenessTest {

    private static final float[] ONE = {1f};

    @Test
    void shouldWaitHalfTheFirstContributorsTrainingWhenThatIsLongerThanTheTimeout() {
        // a long epoch between rounds: the fastest worker pushes 200 s after the round opened
        RoundCoordinator coordinator = joined(settings(3).heartbeatTimeoutMs(1_000_000).build(), 1, 2, 3);
        assertNull(push(coordinator, 1, 1, 1, new float[] {2f}, 200_000));
        assertNull(push(coordinator, 2, 1, 1, new float[] {4f}, 250_000));
        assertNull(coordinator.poll(299_999), "worker 3 may train up to 1.5 x as long as worker 1");
        RoundOutcome.Closed closed = closed(coordinator.poll(300_000));
        assertArrayEquals(new int[] {1, 2}, closed.contributors());
    }

    @Test
    void shouldCloseWithSurvivorsWhenTimeoutPassesWithQuorum() {
        RoundCoordinator coordinator = joined(settings(3).heartbeatTimeoutMs(100_000).build(), 1, 2, 3);
        assertNull(push(coordinator, 1, 1, 1, new float[] {2f}, 10));
        assertNull(push(coordinator, 2, 1, 1, new float[] {4f}, 20));
        assertNull(coordinator.poll(60_009), "worker 3 is live and awaited until the timeout after the first push");
        RoundOutcome.Closed closed = closed(coordinator.poll(60_010));
        assertArrayEquals(new int[] {1, 2}, closed.contributors());
        assertEquals(List.of(3), closed.excluded(), "the silent worker is named as left out");
        assertArrayEquals(new float[] {3f}, result(closed));
        assertEquals(60_010, closed.latencyMs());
        assertEquals(2, coordinator.openRound());
        assertNull(coordinator.poll(200_000), "the next round waits for its first contribution");
    }

    @Test
    void shouldFailNamingMissingWorkersWhenTimeoutPassesBelowQuorum() {
        RoundCoordinator coordinator = joined(settings(3).build(), 1, 2, 5);
        assertNull(push(coordinator, 1, 1, 1, ONE, 0));
        coordinator.heartbeat(1, 56_000);
        coordinator.heartbeat(2, 56_000);
        RoundOutcome.Failed failed = failed(coordinator.poll(60_000));
        assertEquals(List.of(1, 2), coordinator.liveWorkers(), "worker 5 went silent and was declared dead");
        assertEquals(1, failed.round());
        assertEquals(List.of(2, 5), failed.missingWorkers());
        assertEquals("round 1 timed out 60000 ms after its first contribution, with 1 of 3 workers (quorum 2); missing workers [2, 5]",
                failed.reason());
        assertEquals(1, coordinator.lastClosedRound(), "a failed round ends for numbering too");
        assertEquals(2, coordinator.openRound());
        assertNull(coordinator.poll(60_001));
    }

    @Test
    void shouldCountNeverJoinedWorkersWhenStartupIsIncompleteAtTimeout() {
        RoundCoordinator coordinator = joined(settings(3).heartbeatTimeoutMs(100_000).build(), 4);
        push(coordinator, 4, 1, 1, ONE, 0);
        RoundOutcome.Failed failed = failed(coordinator.poll(60_000));
        assertEquals(List.of(), failed.missingWorkers());
        assertEquals("round 1 timed out 60000 ms after its first contribution, with 1 of 3 workers (quorum 2); missing workers [];"
                + " 2 of 3 expected workers never joined", failed.reason());
    }

    @Test
    void shouldRemoveSilentWorkerAndCloseWithoutTimeoutWhenTheRestPushed() {
        AtomicInteger declaredDead = new AtomicInteger();
        RoundCoordinator coordinator = joined(settings(3).build(), declaredDead::addAndGet, 1, 2, 3);
        for (int w = 1; w <= 3; w++) {
            push(coordinator, w, 1, 1, ONE, 100);
        }
        closed(coordinator.poll(100));
        // round 2: worker 3 falls silent; 1 and 2 push and keep heartbeating
        push(coordinator, 1, 2, 1, ONE, 1_000);
        push(coordinator, 2, 2, 1, ONE, 1_000);
        coordinator.heartbeat(1, 5_000);
        coordinator.heartbeat(2, 5_000);
        assertNull(coordinator.poll(5_100), "silent for exactly 5000 ms: still live");
        assertEquals(List.of(1, 2, 3), coordinator.liveWorkers());
        assertEquals(0, declaredDead.get());
        RoundOutcome.Closed closed = closed(coordinator.poll(5_101));
        assertEquals(List.of(1, 2), coordinator.liveWorkers());
        assertEquals(1, declaredDead.get(), "the coordinator reports the worker it declared dead");
        assertArrayEquals(new int[] {1, 2}, closed.contributors());
        assertEquals(List.of(3), closed.excluded(), "the dead worker is named as left out");
        assertEquals(5_001, closed.latencyMs(), "closed long before the 60 s round timeout");

        push(coordinator, 1, 3, 1, ONE, 5_200);
        push(coordinator, 2, 3, 1, ONE, 5_200);
        assertEquals(3, closed(coordinator.poll(5_200)).round(), "the dead worker is no longer awaited");
    }

    @Test
    void shouldAcceptRejoinWhenWorkerWasDeclaredDead() {
        RoundCoordinator coordinator = joined(settings(3).build(), 1, 2, 3);
        coordinator.heartbeat(1, 6_000);
        coordinator.heartbeat(2, 6_000);
        assertNull(coordinator.poll(6_000));
        assertEquals(List.of(1, 2), coordinator.liveWorkers());

        coordinator.heartbeat(3, 6_100);
        assertEquals(List.of(1, 2), coordinator.liveWorkers(), "a dead worker's heartbeat does not revive it");
        assertEquals(Refusal.NOT_JOINED, coordinator.precheck(3, 1));
        assertEquals(Refusal.NOT_JOINED, push(coordinator, 3, 1, 1, ONE, 6_100));

        float[] buffer = coordinator.staging(3);
        assertEquals(0, coordinator.join(3, 6_200), "its next push is for round 1");
        assertEquals(List.of(1, 2, 3), coordinator.liveWorkers());
        assertTrue(buffer == coordinator.staging(3), "a rejoin keeps the staging buffer");
        for (int w = 1; w <= 3; w++) {
            assertNull(push(coordinator, w, 1, 1, new float[] {w}, 6_300));
        }
        RoundOutcome.Closed closed = closed(coordinator.poll(6_300));
        assertArrayEquals(new int[] {1, 2, 3}, closed.contributors());
        assertArrayEquals(new float[] {2f}, result(closed));
    }

    @Test
    void shouldWithdrawOpenRoundContributionWhenWorkerRejoins() {
        RoundCoordinator coordinator = joined(settings(2).build(), 0, 1);
        assertNull(push(coordinator, 0, 1, 10, new float[] {100f}, 1_000));
        // worker 0's task is relaunched: it rejoins and pushes round 1 again, from other values
        assertEquals(0, coordinator.join(0, 1_100));
        assertNull(push(coordinator, 0, 1, 10, new float[] {2f}, 1_200), "the relaunched worker's push is accepted");
        assertNull(coordinator.poll(1_200), "worker 1 has not pushed yet");
        assertNull(push(coordinator, 1, 1, 30, new float[] {6f}, 1_300));
        RoundOutcome.Closed closed = closed(coordinator.poll(1_300));
        assertEquals(40, closed.totalSamples(), "the withdrawn contribution's samples no longer count");
        assertArrayEquals(new float[] {5f}, result(closed), "(10 * 2 + 30 * 6) / 40: the first push is gone");
        assertEquals(1, coordinator.globalCount());
        assertEquals(5f, coordinator.globalValues()[0]);
    }

    @Test
    void shouldNotCloseRoundOneWhenOnlyTheFirstOfThreeExpectedWorkersJoined() {
        RoundCoordinator coordinator = joined(settings(3).quorum(1).build(), 1);
        assertNull(push(coordinator, 1, 1, 1, new float[] {1f}, 0));
        assertNull(coordinator.poll(10), "every live worker pushed and the quorum is met, but startup is not over");
        coordinator.join(2, 1_000);
        coordinator.join(3, 1_000);
        assertNull(coordinator.poll(1_000));
        push(coordinator, 2, 1, 1, new float[] {2f}, 2_000);
        push(coordinator, 3, 1, 1, new float[] {3f}, 2_000);
        RoundOutcome.Closed closed = closed(coordinator.poll(2_000));
        assertArrayEquals(new int[] {1, 2, 3}, closed.contributors());
        assertArrayEquals(new float[] {2f}, result(closed));
    }

    @Test
    void shouldCloseAtTimeoutWhenStartupIsIncompleteButQuorumIsMet() {
        RoundCoordinator coordinator = joined(settings(3).quorum(1).heartbeatTimeoutMs(100_000).build(), 1);
        push(coordinator, 1, 1, 1, new float[] {7f}, 0);
        assertNull(coordinator.poll(59_999));
        assertArrayEquals(new float[] {7f}, result(closed(coordinator.poll(60_000))));
    }

    @Test
    void shouldStopAwaitingWorkerAtOnceWhenItLeaves() {
        RoundCoordinator coordinator = joined(settings(3).build(), 1, 2, 3);
        push(coordinator, 1, 1, 1, ONE, 0);
        push(coordinator, 2, 1, 1, ONE, 0);
        assertNull(coordinator.poll(1));
        coordinator.leave(3, 2);
        assertEquals(List.of(1, 2), coordinator.liveWorkers());
        RoundOutcome.Closed closed = closed(coordinator.poll(2));
        assertArrayEquals(new int[] {1, 2}, closed.contributors());
    }

    @Test
    void shouldKeepWorkerLiveWhenItOnlyContributes() {
        RoundCoordinator coordinator = joined(settings(2).build(), 1, 2);
        for (int round = 1; round <= 5; round++) {
            long now = round * 4_000L;
            push(coordinator, 1, round, 1, ONE, now);
            push(coordinator, 2, round, 1, ONE, now);
            assertEquals(round, closed(coordinator.poll(now)).round());
        }
        assertEquals(List.of(1, 2), coordinator.liveWorkers(), "a contribution counts as a heartbeat");
    }

    @Test
    void shouldContinueNumberingWhenStartedAfterASavedRound() {
        RoundCoordinator coordinator = new RoundCoordinator(settings(1).build(), 2, 0, 41, new float[] {1f, 2f}, 0,
                dead -> { });
        assertEquals(42, coordinator.openRound());
        assertEquals(41, coordinator.join(1, 0));
        assertEquals(Refusal.WRONG_ROUND, push(coordinator, 1, 1, 1, new float[2], 0), "round 1 is long over");
    }

    @Test
    void shouldRejectConstructionWhenInitialGlobalDoesNotFitTheModel() {
        RoundSettings settings = settings(1).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new RoundCoordinator(settings, 3, 2, 7, new float[4], 0, dead -> { }));
        assertEquals("initialGlobal has 4 values; expected 3 (parameters) or 5 (parameters + updater state):"
                + " was it saved for another model?", e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new RoundCoordinator(settings, 1, 0, 0, new float[] {Float.NaN}, 0, dead -> { }));
        assertThrows(IllegalArgumentException.class,
                () -> new RoundCoordinator(settings, 0, 0, 0, null, 0, dead -> { }));
        assertThrows(IllegalArgumentException.class,
                () -> new RoundCoordinator(settings, 1, 0, -1, null, 0, dead -> { }));
        assertThrows(IllegalArgumentException.class, () -> new RoundCoordinator(settings, 1, 0, 0, null, 0, null));
    }

    private static RoundCoordinator joined(RoundSettings settings, int... workers) {
        return joined(settings, dead -> { }, workers);
    }

    private static RoundCoordinator joined(RoundSettings settings, IntConsumer declaredDead, int... workers) {
        RoundCoordinator coordinator = new RoundCoordinator(settings, 1, 0, 0, null, 0, declaredDead);
        for (int w : workers) {
            assertEquals(0, coordinator.join(w, 0));
        }
        return coordinator;
    }
}
