package io.averon.driver.training;

import io.averon.core.InvalidInputException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The round boundaries of a run: every minibatch in the warm-up epochs, every K minibatches after. */
@Tag("fast")
class ShardPlanTest {

    /** 2 workers of 400 examples, 8 per minibatch: 50 minibatches per epoch each. */
    private static ShardPlan plan(int syncEvery, int warmupEpochs) {
        return new ShardPlan(800, 200, 2, 8, syncEvery, warmupEpochs);
    }

    @Test
    void shouldEndARoundAfterEveryMinibatchInWarmupEpochsAndEveryKAfter() {
        ShardPlan plan = plan(10, 2);
        assertEquals(50, plan.maxBatches());
        for (int epoch = 1; epoch <= 2; epoch++) {
            assertEquals(1, plan.batchesPerRound(epoch));
            assertEquals(50, plan.roundsPerEpoch(epoch));
            for (int round = 1; round <= 50; round++) {
                assertEquals(round, plan.roundEnd(0, epoch, round));
            }
        }
        assertEquals(10, plan.batchesPerRound(3));
        assertEquals(5, plan.roundsPerEpoch(3));
        assertEquals(5, plan.roundsPerEpoch(7));
        assertEquals(30, plan.roundEnd(1, 3, 3));
        assertEquals(50, plan.roundEnd(1, 3, 5));
    }

    @Test
    void shouldAverageOncePerEpochAfterTheWarmupWhenNoKIsGiven() {
        ShardPlan plan = plan(0, 1);
        assertEquals(50, plan.roundsPerEpoch(1));
        assertEquals(1, plan.roundsPerEpoch(2));
        assertEquals(50, plan.roundEnd(0, 2, 1));
        assertEquals(50 + 1 + 1, plan.roundsBefore(4));
    }

    @Test
    void shouldKeepTheOldBoundariesWithoutWarmup() {
        ShardPlan plan = plan(7, 0);
        assertEquals(8, plan.roundsPerEpoch(1)); // ceil(50 / 7): the last round is short
        assertEquals(49, plan.roundEnd(0, 1, 7));
        assertEquals(50, plan.roundEnd(0, 1, 8));
        assertEquals(16, plan.roundsBefore(3));
        assertEquals(new ShardPlan.Position(2, 3), plan.position(19));
    }

    @Test
    void shouldNumberRoundsFromTheStartOfTrainingAcrossTheWarmup() {
        ShardPlan plan = plan(10, 2);
        assertEquals(0, plan.roundsBefore(1));
        assertEquals(50, plan.roundsBefore(2));
        assertEquals(100, plan.roundsBefore(3));
        assertEquals(105, plan.roundsBefore(4));
        assertEquals(140, plan.roundsBefore(11));
        // position is the inverse: every round of every epoch maps back to where it was taken
        for (int epoch = 1; epoch <= 10; epoch++) {
            for (int round = 0; round < plan.roundsPerEpoch(epoch); round++) {
                assertEquals(new ShardPlan.Position(epoch - 1, round), plan.position(plan.roundsBefore(epoch) + round),
                        "epoch " + epoch + ", round " + round);
            }
        }
        assertEquals(new ShardPlan.Position(10, 0), plan.position(140), "after the last round of a 10-epoch run");
    }

    @Test
    void shouldRefuseANegativeWarmup() {
        assertThrows(InvalidInputException.class, () -> plan(0, -1));
    }
}
