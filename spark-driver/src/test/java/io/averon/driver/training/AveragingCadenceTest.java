package io.averon.driver.training;

import io.averon.core.InvalidInputException;
import io.averon.core.train.TrainingConfig;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which averaging cadence a run uses: the one given, else the default by worker count. */
@Tag("fast")
class AveragingCadenceTest {

    private static SparkTrainingConfig.Builder config(int epochs) {
        return SparkTrainingConfig.builder(TrainingConfig.builder().epochs(epochs).build());
    }

    @Test
    void shouldAverageOncePerEpochWhenFewWorkersAndNoCadenceIsGiven() {
        SparkTrainingConfig c = config(10).build();
        assertNull(c.cadence());
        for (int workers = 1; workers < AveragingCadence.MANY_WORKERS; workers++) {
            assertEquals(AveragingCadence.PER_EPOCH, c.cadenceFor(workers));
            assertFalse(c.usesManyWorkersDefault(workers));
        }
    }

    @Test
    void shouldFollowTheManyWorkersRecipeWhenManyWorkersAndNoCadenceIsGiven() {
        SparkTrainingConfig c = config(10).build();
        for (int workers : new int[] {AveragingCadence.MANY_WORKERS, 16, 64}) {
            assertEquals(AveragingCadence.MANY_WORKERS_RECIPE, c.cadenceFor(workers));
            assertTrue(c.usesManyWorkersDefault(workers));
        }
    }

    @Test
    void shouldLetAnyGivenCadenceSettingWinOverTheRecipe() {
        assertEquals(AveragingCadence.PER_EPOCH, config(10).syncEvery(0).build().cadenceFor(16),
                "--sync-every 0 given: once per epoch, even with 16 workers");
        assertEquals(new AveragingCadence(4, 0, 1, 0), config(10).syncEvery(4).build().cadenceFor(16));
        assertEquals(new AveragingCadence(0, 2, 1, 0), config(10).syncWarmupEpochs(2).build().cadenceFor(16));
        SparkTrainingConfig outerOnly = config(10).outerLearningRate(0.7).outerMomentum(0.9).build();
        assertEquals(new AveragingCadence(0, 0, 0.7, 0.9), outerOnly.cadenceFor(16));
        assertFalse(outerOnly.usesManyWorkersDefault(16));
        assertEquals(new AveragingCadence(0, 0, 1, 0.5), config(10).outerMomentum(0.5).build().cadenceFor(16),
                "--outer-momentum alone: the rate stays 1, the rounds once per epoch");
    }

    @Test
    void shouldAverageWithoutOuterMomentumWhenAnExternalServerAppliesItsOwn() {
        AveragingCadence recipe = AveragingCadence.MANY_WORKERS_RECIPE;
        AveragingCadence cadence = config(10).parameterServer("ps.example:40123").build().cadenceFor(16);
        assertEquals(new AveragingCadence(recipe.syncEvery(), recipe.warmupEpochs(), 1, 0), cadence);
    }

    @Test
    void shouldRefuseABadOuterOptimizerWithOneLinePerOption() {
        assertEquals("--outer-lr must be a finite number > 0 (1 = plain averaging), got 0.0",
                assertThrows(InvalidInputException.class, () -> config(3).outerLearningRate(0).build()).getMessage());
        assertEquals("--outer-momentum must be in [0, 1) (0 = plain averaging), got 1.0",
                assertThrows(InvalidInputException.class, () -> config(3).outerMomentum(1).build()).getMessage());
        assertEquals("--sync-every must be >= 1 minibatches (or 0 for once per epoch), got -1",
                assertThrows(InvalidInputException.class, () -> config(3).syncEvery(-1).build()).getMessage());
    }

    @Test
    void shouldRefuseAnOuterOptimizerForAnExternalServer() {
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> config(3).parameterServer("ps.example:40123").outerMomentum(0.9).build());
        assertTrue(e.getMessage().startsWith("--outer-lr / --outer-momentum configure the driver's parameter server"),
                e.getMessage());
    }

    @Test
    void shouldRefuseAWarmupLongerThanTheRunOrNegative() {
        InvalidInputException tooLong = assertThrows(InvalidInputException.class,
                () -> config(3).syncWarmupEpochs(4).build());
        assertEquals("--sync-warmup-epochs must be at most --epochs (3), got 4", tooLong.getMessage());
        InvalidInputException negative = assertThrows(InvalidInputException.class,
                () -> config(3).syncWarmupEpochs(-1).build());
        assertEquals("--sync-warmup-epochs must be >= 0, got -1", negative.getMessage());
        config(3).syncWarmupEpochs(3).build(); // the whole run synchronous: allowed
    }
}
