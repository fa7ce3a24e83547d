package io.averon.ps.round;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static io.averon.ps.round.RoundTestSupport.closed;
import static io.averon.ps.round.RoundTestSupport.push;
import static io.averon.ps.round.RoundTestSupport.result;
import static io.averon.ps.round.RoundTestSupport.settings;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The outer optimizer applied by the coordinator to each round's average. */
@Tag("fast")
class OuterOptimizerTest {

    @Test
    void shouldMatchHandComputationWhenNesterovRunsThreeRounds() {
        RoundCoordinator coordinator = twoWorkers(new OuterOptimizer.Nesterov(0.5, 0.5));
        // each round the two workers push a - 1 and a + 1 with equal samples: the average is a exactly
        // round 1: no previous global, so g = a = [1, -2] and v = 0
        assertArrayEquals(new float[] {1f, -2f}, round(coordinator, 1, new float[] {1f, -2f}));
        // round 2: a = [3, 0]; delta = [2, 2]; v = 0.5 * 0 + delta = [2, 2]
        //          g = [1, -2] + 0.5 * ([2, 2] + 0.5 * [2, 2]) = [2.5, -0.5]
        assertArrayEquals(new float[] {2.5f, -0.5f}, round(coordinator, 2, new float[] {3f, 0f}));
        // round 3: a = [2.5, 3.5]; delta = [0, 4]; v = 0.5 * [2, 2] + [0, 4] = [1, 5]
        //          g = [2.5, -0.5] + 0.5 * ([0, 4] + 0.5 * [1, 5]) = [2.75, 2.75]
        assertArrayEquals(new float[] {2.75f, 2.75f}, round(coordinator, 3, new float[] {2.5f, 3.5f}));
    }

    @Test
    void shouldEqualPlainWhenNesterovHasUnitLearningRateAndZeroMomentum() {
        RoundCoordinator plain = twoWorkers(new OuterOptimizer.Plain());
        RoundCoordinator nesterov = twoWorkers(new OuterOptimizer.Nesterov(1, 0));
        Random random = new Random(7);
        for (int round = 1; round <= 10; round++) {
            float[] first = new float[64];
            float[] second = new float[64];
            for (int i = 0; i < first.length; i++) {
                first[i] = random.nextFloat() * 2 - 1;
                second[i] = random.nextFloat() * 2 - 1;
            }
            long samples = 1 + random.nextInt(100);
            for (RoundCoordinator coordinator : new RoundCoordinator[] {plain, nesterov}) {
                push(coordinator, 1, round, samples, first, round);
                push(coordinator, 2, round, 100 - samples + 1, second, round);
            }
            assertArrayEquals(result(closed(plain.poll(round))), result(closed(nesterov.poll(round))),
                    "round " + round);
        }
    }

    @Test
    void shouldRefuseNesterovSettingsWhenOutOfRange() {
        assertEquals("Nesterov learningRate must be a finite number > 0 (1.0 with momentum 0 is plain averaging),"
                + " got 0.0", assertThrows(IllegalArgumentException.class,
                        () -> new OuterOptimizer.Nesterov(0, 0.9)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> new OuterOptimizer.Nesterov(Double.NaN, 0.9));
        assertThrows(IllegalArgumentException.class,
                () -> new OuterOptimizer.Nesterov(Double.POSITIVE_INFINITY, 0.9));
        assertEquals("Nesterov momentum must be in [0, 1) (0.9 is typical), got 1.0",
                assertThrows(IllegalArgumentException.class,
                        () -> new OuterOptimizer.Nesterov(0.7, 1)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> new OuterOptimizer.Nesterov(0.7, -0.1));
        assertThrows(IllegalArgumentException.class, () -> new OuterOptimizer.Nesterov(0.7, Double.NaN));
        assertTrue(new OuterOptimizer.Nesterov(0.7, 0).momentum() == 0);
    }

    private static RoundCoordinator twoWorkers(OuterOptimizer optimizer) {
        RoundCoordinator coordinator = new RoundCoordinator(settings(2).outerOptimizer(optimizer).build(), 64, 0, 0,
                null, 0, dead -> { });
        coordinator.join(1, 0);
        coordinator.join(2, 0);
        return coordinator;
    }

    /** One round whose average is exactly {@code average} (in the first two elements); returns them. */
    private static float[] round(RoundCoordinator coordinator, long round, float[] average) {
        float[] below = new float[64];
        float[] above = new float[64];
        for (int i = 0; i < average.length; i++) {
            below[i] = average[i] - 1;
            above[i] = average[i] + 1;
        }
        push(coordinator, 1, round, 10, below, round);
        push(coordinator, 2, round, 10, above, round);
        RoundOutcome.Closed closed = closed(coordinator.poll(round));
        return new float[] {closed.global()[0], closed.global()[1]};
    }
}
