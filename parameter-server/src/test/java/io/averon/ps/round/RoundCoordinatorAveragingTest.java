package io.averon.ps.round;

import io.averon.ps.protocol.Refusal;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static io.averon.ps.round.RoundTestSupport.closed;
import static io.averon.ps.round.RoundTestSupport.failed;
import static io.averon.ps.round.RoundTestSupport.push;
import static io.averon.ps.round.RoundTestSupport.result;
import static io.averon.ps.round.RoundTestSupport.settings;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The weighted mean: exact, in ascending worker order, and only over accepted contributions. */
@Tag("fast")
class RoundCoordinatorAveragingTest {

    @ParameterizedTest
    @ValueSource(ints = {2, 4, 8})
    void shouldEqualAscendingOrderReferenceExactlyWhenWorkersPushRandomVectors(int workerCount) {
        Random random = new Random(1234 + workerCount);
        int parameterCount = 257;
        // worker ids unrelated to join order: the mean must follow ascending id, not arrival
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            ids.add(i * 7 + 3);
        }
        Collections.shuffle(ids, random);
        ids = new ArrayList<>(ids.subList(0, workerCount));
        RoundCoordinator coordinator = new RoundCoordinator(settings(workerCount).build(), parameterCount, 0, 0,
                null, 0, dead -> { });
        for (int id : ids) {
            assertEquals(0, coordinator.join(id, 0));
        }
        int[] ascending = ids.stream().mapToInt(Integer::intValue).sorted().toArray();
        for (int round = 1; round <= 20; round++) {
            long now = round * 100L;
            float[][] vectors = new float[ascending.length][];
            long[] samples = new long[ascending.length];
            for (int k = 0; k < ascending.length; k++) {
                vectors[k] = randomVector(random, parameterCount);
                samples[k] = random.nextInt(10) == 0 ? 1 + random.nextInt(1_000_000_000) : 1 + random.nextInt(5000);
            }
            List<Integer> arrival = new ArrayList<>();
            for (int k = 0; k < ascending.length; k++) {
                arrival.add(k);
            }
            Collections.shuffle(arrival, random);
            for (int k : arrival) {
                assertNull(push(coordinator, ascending[k], round, samples[k], vectors[k], now));
                if (arrival.indexOf(k) < arrival.size() - 1) {
                    assertNull(coordinator.poll(now), "the round waits for every live worker");
                }
            }
            RoundOutcome.Closed closed = closed(coordinator.poll(now));

            float[] expected = reference(vectors, samples);
            assertArrayEquals(expected, result(closed), "round " + round);
            assertEquals(round, closed.round());
            assertArrayEquals(ascending, closed.contributors());
            assertEquals(Arrays.stream(samples).sum(), closed.totalSamples());
            assertEquals(parameterCount, closed.valueCount());
        }
        assertEquals(21, coordinator.openRound());
    }

    @Test
    void shouldSumInAscendingWorkerOrderWhenArrivalOrderDiffers() {
        // in double, (1e20 + -1e20) + 1 = 1 but (1 + 1e20) + -1e20 = 0: the order is observable
        RoundSettings settings = settings(3).build();
        RoundCoordinator coordinator = new RoundCoordinator(settings, 1, 0, 0, null, 0, dead -> { });
        for (int w : new int[] {3, 2, 1}) {
            coordinator.join(w, 0);
        }
        assertNull(push(coordinator, 3, 1, 1, new float[] {1f}, 0));
        assertNull(push(coordinator, 1, 1, 1, new float[] {1e20f}, 0));
        assertNull(push(coordinator, 2, 1, 1, new float[] {-1e20f}, 0));
        assertArrayEquals(new float[] {(float) (1.0 / 3)}, result(closed(coordinator.poll(0))));
    }

    @Test
    void shouldIgnoreZeroSampleWorkerWhenAveraging() {
        RoundCoordinator coordinator = coordinator(3, 3, 0);
        assertNull(push(coordinator, 1, 1, 10, new float[] {1f, 2f, 3f}, 0));
        assertNull(push(coordinator, 2, 1, 0, new float[] {1e20f, -1e20f, 7f}, 0));
        assertNull(push(coordinator, 3, 1, 30, new float[] {5f, 6f, 7f}, 0));
        RoundOutcome.Closed closed = closed(coordinator.poll(1));
        assertArrayEquals(new float[] {4f, 5f, 6f}, result(closed));
        assertArrayEquals(new int[] {1, 2, 3}, closed.contributors(), "a zero-sample worker still took part");
        assertEquals(40, closed.totalSamples());
    }

    @Test
    void shouldKeepPreviousGlobalWhenAllContributorsReportZeroSamples() {
        RoundCoordinator coordinator = coordinator(2, 2, 0);
        push(coordinator, 1, 1, 1, new float[] {1f, 2f}, 0);
        push(coordinator, 2, 1, 1, new float[] {3f, 4f}, 0);
        closed(coordinator.poll(0));
        push(coordinator, 1, 2, 0, new float[] {100f, 100f}, 1);
        push(coordinator, 2, 2, 0, new float[] {-100f, 100f}, 1);
        RoundOutcome.Closed closed = closed(coordinator.poll(1));
        assertEquals(2, closed.round());
        assertArrayEquals(new float[] {2f, 3f}, result(closed));
        assertEquals(0, closed.totalSamples());
    }

    @Test
    void shouldFailWithNoSamplesWhenAllReportZeroAndThereIsNoPreviousGlobal() {
        RoundCoordinator coordinator = coordinator(2, 2, 0);
        push(coordinator, 1, 1, 0, new float[] {1f, 2f}, 0);
        push(coordinator, 2, 1, 0, new float[] {3f, 4f}, 0);
        RoundOutcome.Failed failed = failed(coordinator.poll(0));
        assertTrue(failed.reason().contains("no samples"), failed.reason());
        assertEquals(List.of(), failed.missingWorkers());
        assertEquals(2, coordinator.openRound());
    }

    @Test
    void shouldRefuseNaNAndInfinityAndCloseWithTheOthersWhenRoundTimesOut() {
        RoundCoordinator coordinator = new RoundCoordinator(settings(4).quorum(2).heartbeatTimeoutMs(100_000).build(),
                3, 0, 0, null, 0, dead -> { });
        for (int w = 1; w <= 4; w++) {
            coordinator.join(w, 0);
        }
        assertEquals(Refusal.NOT_FINITE, push(coordinator, 1, 1, 5, new float[] {1f, Float.NaN, 1f}, 10));
        assertEquals(Refusal.NOT_FINITE,
                push(coordinator, 2, 1, 5, new float[] {1f, 1f, Float.POSITIVE_INFINITY}, 10));
        assertNull(push(coordinator, 3, 1, 1, new float[] {1f, 2f, 3f}, 10));
        assertNull(push(coordinator, 4, 1, 3, new float[] {5f, 6f, 7f}, 10));
        assertNull(coordinator.poll(60_009), "workers 1 and 2 have not contributed yet");
        RoundOutcome.Closed closed = closed(coordinator.poll(60_010));
        assertArrayEquals(new int[] {3, 4}, closed.contributors());
        assertArrayEquals(new float[] {4f, 5f, 6f}, result(closed), "the refused values were never averaged");
    }

    @Test
    void shouldRefuseAbsurdMagnitudesWhichWouldOtherwiseBeAveragedIntoTheModel() {
        RoundCoordinator coordinator = coordinator(2, 2, 0);
        // two pushes of 3e38 averaged to 3e38 before the bound
        assertEquals(Refusal.OUT_OF_BOUNDS, push(coordinator, 1, 1, 5, new float[] {3e38f, 1f}, 0));
        assertTrue(coordinator.lastRefusalDetail().contains("3.0E38"), coordinator.lastRefusalDetail());
        assertEquals(Refusal.OUT_OF_BOUNDS, push(coordinator, 2, 1, 5, new float[] {1f, -3e38f}, 0));
        assertNull(push(coordinator, 1, 1, 1, new float[] {1f, 2f}, 0));
        assertNull(push(coordinator, 2, 1, 1, new float[] {3f, 4f}, 0));
        assertArrayEquals(new float[] {2f, 3f}, result(closed(coordinator.poll(0))));
    }

    @Test
    void shouldRefuseAContributionThatMovesTheParametersFurtherThanMaxUpdateNorm() {
        RoundCoordinator coordinator = new RoundCoordinator(settings(2).maxUpdateNorm(5).build(), 2, 0, 0,
                new float[] {0f, 0f}, 0, dead -> { });
        coordinator.join(1, 0);
        coordinator.join(2, 0);
        assertEquals(Refusal.OUT_OF_BOUNDS, push(coordinator, 1, 1, 1, new float[] {3f, 4.01f}, 0));
        assertTrue(coordinator.lastRefusalDetail().contains("exceeds maxUpdateNorm 5.0"), coordinator.lastRefusalDetail());
        assertNull(push(coordinator, 1, 1, 1, new float[] {3f, 4f}, 0), "a norm of exactly 5 is allowed");
        assertNull(push(coordinator, 2, 1, 1, new float[] {-1f, 0f}, 0));
        assertArrayEquals(new float[] {1f, 2f}, result(closed(coordinator.poll(0))));
    }

    @Test
    void shouldAcceptRetryWhenPreviousPushOfTheRoundWasNotFinite() {
        RoundCoordinator coordinator = coordinator(2, 1, 0);
        assertEquals(Refusal.NOT_FINITE, push(coordinator, 1, 1, 1, new float[] {Float.NEGATIVE_INFINITY}, 0));
        assertNull(push(coordinator, 1, 1, 1, new float[] {2f}, 0));
        assertNull(push(coordinator, 2, 1, 1, new float[] {4f}, 0));
        assertArrayEquals(new float[] {3f}, result(closed(coordinator.poll(0))));
    }

    @Test
    void shouldRefuseDuplicateWhenWorkerPushesTwiceInARound() {
        RoundCoordinator coordinator = coordinator(2, 2, 0);
        assertNull(push(coordinator, 1, 1, 1, new float[] {1f, 1f}, 0));
        assertEquals(Refusal.DUPLICATE, coordinator.precheck(1, 1));
        assertEquals(Refusal.DUPLICATE, push(coordinator, 1, 1, 1, new float[] {9f, 9f}, 0));
        assertEquals(Refusal.DUPLICATE, push(coordinator, 1, 1, 1, new float[] {9f, 9f}, 0));
        assertNull(push(coordinator, 2, 1, 1, new float[] {3f, 3f}, 0));
        assertArrayEquals(new float[] {2f, 2f}, result(closed(coordinator.poll(0))), "the first push counts");
    }

    @Test
    void shouldRefuseLateAndEarlyPushesAsWrongRound() {
        RoundCoordinator coordinator = coordinator(2, 1, 0);
        push(coordinator, 1, 1, 1, new float[] {1f}, 0);
        push(coordinator, 2, 1, 1, new float[] {3f}, 0);
        closed(coordinator.poll(0));
        assertEquals(Refusal.WRONG_ROUND, push(coordinator, 1, 1, 1, new float[] {5f}, 1), "late");
        assertEquals(Refusal.WRONG_ROUND, push(coordinator, 1, 3, 1, new float[] {5f}, 1), "early");
        assertNull(push(coordinator, 1, 2, 1, new float[] {5f}, 1));
    }

    @Test
    void shouldRefuseBadLengthWhenValueCountOrSampleCountIsInvalid() {
        RoundCoordinator coordinator = coordinator(2, 4, 2);
        assertEquals(Refusal.BAD_LENGTH, push(coordinator, 1, 1, 1, new float[5], 0), "neither 4 nor 6");
        assertEquals(Refusal.BAD_LENGTH, push(coordinator, 1, 1, -1, new float[4], 0), "negative samples");
        assertEquals(Refusal.BAD_LENGTH,
                push(coordinator, 1, 1, RoundCoordinator.MAX_SAMPLE_COUNT + 1, new float[4], 0));
        assertNull(push(coordinator, 1, 1, 1, new float[4], 0));
        assertEquals(Refusal.BAD_LENGTH, push(coordinator, 2, 1, 1, new float[6], 0), "unlike worker 1's");
        assertNull(push(coordinator, 2, 1, 1, new float[4], 0));
        assertEquals(4, closed(coordinator.poll(0)).valueCount());
    }

    @Test
    void shouldRefuseNotJoinedWhenWorkerIsUnknownOrHasLeft() {
        RoundCoordinator coordinator = coordinator(2, 1, 0);
        assertEquals(Refusal.NOT_JOINED, coordinator.contribute(7, 1, 1, 1, 0));
        coordinator.leave(2, 0);
        assertEquals(Refusal.NOT_JOINED, push(coordinator, 2, 1, 1, new float[] {1f}, 0));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> coordinator.staging(7));
        assertTrue(e.getMessage().contains("worker 7"), e.getMessage());
        assertEquals(List.of(1), coordinator.liveWorkers());
    }

    @Test
    void shouldPlainAverageUpdaterStateWhenValueCountIsVectorLength() {
        RoundSettings settings = settings(2).outerOptimizer(new OuterOptimizer.Nesterov(0.5, 0.5)).build();
        RoundCoordinator coordinator = new RoundCoordinator(settings, 2, 3, 0, null, 0, dead -> { });
        coordinator.join(1, 0);
        coordinator.join(2, 0);
        assertEquals(5, coordinator.staging(1).length);
        push(coordinator, 1, 1, 1, new float[] {0f, 0f, 1f, 2f, 3f}, 0);
        push(coordinator, 2, 1, 3, new float[] {4f, 8f, 5f, 6f, 7f}, 0);
        RoundOutcome.Closed first = closed(coordinator.poll(0));
        assertEquals(5, first.valueCount());
        assertArrayEquals(new float[] {3f, 6f, 4f, 5f, 6f}, result(first), "first round: the mean itself");

        push(coordinator, 1, 2, 1, new float[] {5f, 6f, 0f, 0f, 0f}, 1);
        push(coordinator, 2, 2, 1, new float[] {5f, 6f, 2f, 4f, -8f}, 1);
        RoundOutcome.Closed second = closed(coordinator.poll(1));
        // parameters: delta = [2, 0], v = delta, g = g + 0.5 * (delta + 0.5 * v) = [3 + 1.5, 6]
        // updater state: the plain mean [1, 2, -4], no momentum
        assertArrayEquals(new float[] {4.5f, 6f, 1f, 2f, -4f}, result(second));
        assertSame(first.global(), second.global(), "the result vector is server-owned and reused");
    }

    private static RoundCoordinator coordinator(int workers, int parameterCount, int updaterStateCount) {
        RoundCoordinator coordinator = new RoundCoordinator(settings(workers).build(), parameterCount,
                updaterStateCount, 0, null, 0, dead -> { });
        for (int w = 1; w <= workers; w++) {
            coordinator.join(w, 0);
        }
        return coordinator;
    }

    private static float[] randomVector(Random random, int length) {
        float[] values = new float[length];
        for (int i = 0; i < length; i++) {
            double scale = Math.pow(10, random.nextInt(9) - 4);
            values[i] = (float) ((random.nextDouble() * 2 - 1) * scale);
        }
        return values;
    }

    /** The specification, independently: per element, a double sum in ascending worker order. */
    private static float[] reference(float[][] ascendingVectors, long[] samples) {
        int length = ascendingVectors[0].length;
        double total = Arrays.stream(samples).sum();
        float[] mean = new float[length];
        for (int i = 0; i < length; i++) {
            double sum = 0;
            for (int k = 0; k < samples.length; k++) {
                sum += (double) samples[k] * (double) ascendingVectors[k][i];
            }
            mean[i] = (float) (sum / total);
        }
        return mean;
    }
}
