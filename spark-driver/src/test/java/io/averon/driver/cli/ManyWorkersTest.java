package io.averon.driver.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.averon.driver.training.AveragingCadence;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Many workers on one Spark {@code local[N]}: every epoch of a multi-epoch run completes with all
 * of them, averaging every few minibatches and once per epoch, through the parameter server and
 * sharded among the workers. Before each worker had a stream of
 * its own, a default run with 8 workers never finished its first epoch (workers lost round 1's
 * result while they trained).
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class ManyWorkersTest {

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0} workers, sync every {1}, {2} averaging, hierarchical {3}")
    @CsvSource({"8, 0, server, true", "8, 2, server, false", "16, 2, server, true", "8, 0, sharded, false",
            "8, 2, sharded, true", "16, 2, sharded, false"})
    void shouldCompleteEveryEpochWithEveryWorkerWhenManyWorkersAverage(int workers, int syncEvery, String averaging,
                                                                       boolean hierarchical) throws IOException {
        Path data = SparkEngineTest.writeCsv(tmp.resolve("blobs.csv"), SparkEngineTest.blobRows(workers * 100));
        Path out = tmp.resolve("run");
        CliRun run = SparkEngineTest.train(data, out, "--workers", Integer.toString(workers), "--master",
                "local[" + workers + "]", "--model", "mlp", "--epochs", "3", "--batch-size", Integer.toString(workers * 4),
                "--sync-every", Integer.toString(syncEvery), "--averaging", averaging,
                hierarchical ? "--hierarchical" : "--no-hierarchical");
        assertEquals(0, run.exitCode(), run.err());
        JsonNode metrics = SparkEngineTest.metrics(out);
        assertEquals(3, metrics.get("epochs").size());
        assertEquals(averaging, metrics.get("config").get("averaging").asText());
        assertEquals(hierarchical, metrics.get("config").get("hierarchical").asBoolean());
        // the cadence given wins over the many-workers default: --sync-every 0 keeps one average per
        // epoch (80 examples per worker at 4 per minibatch: 20 minibatches per epoch)
        JsonNode config = metrics.get("config");
        assertFalse(config.get("many_workers_default").asBoolean(), config.toString());
        assertEquals(syncEvery, config.get("sync_every").asInt());
        assertEquals(0, config.get("sync_warmup_epochs").asInt());
        assertEquals(1.0, config.get("outer_lr").asDouble());
        assertEquals(0.0, config.get("outer_momentum").asDouble());
        int roundsPerEpoch = syncEvery == 0 ? 1 : (20 + syncEvery - 1) / syncEvery;
        for (JsonNode epoch : metrics.get("epochs")) {
            assertEquals(workers, epoch.get("workers").asInt(), "every worker reported epoch " + epoch.get("epoch"));
            assertEquals(workers * 80, epoch.get("examples").asInt(), "every training example was seen");
            for (JsonNode rounds : epoch.get("rounds_per_worker")) {
                assertEquals(roundsPerEpoch, rounds.asInt(), "rounds in epoch " + epoch);
            }
        }
        double accuracy = metrics.get("final").get("test_accuracy").asDouble();
        assertTrue(accuracy > 0.7, "three Gaussian blobs are learnt (test accuracy " + accuracy + ")");
    }

    @org.junit.jupiter.api.Test
    void shouldNameTheRecipeInTheHelpOfSyncEvery() {
        String help = String.join(" ", AveronCli.commandLine().getSubcommands().get("train").getCommandSpec()
                .findOption("--sync-every").description());
        assertTrue(help.contains("many-workers recipe: " + AveragingCadence.MANY_WORKERS_RECIPE.asOptions()), help);
        assertTrue(help.contains("from " + AveragingCadence.MANY_WORKERS + " on"), help);
    }

    /**
     * 8 workers and no cadence given: the run follows the many-workers recipe and says so in
     * metrics.json. 640 training rows, 80 per worker at 4 per minibatch: 20 minibatches per epoch.
     */
    @org.junit.jupiter.api.Test
    void shouldFollowTheManyWorkersRecipeWhenNoCadenceIsGiven() throws IOException {
        AveragingCadence recipe = AveragingCadence.MANY_WORKERS_RECIPE;
        int workers = AveragingCadence.MANY_WORKERS;
        Path data = SparkEngineTest.writeCsv(tmp.resolve("blobs.csv"), SparkEngineTest.blobRows(workers * 100));
        Path out = tmp.resolve("run");
        CliRun run = SparkEngineTest.train(data, out, "--workers", Integer.toString(workers), "--master",
                "local[" + workers + "]", "--model", "mlp", "--epochs", "3", "--batch-size", Integer.toString(workers * 4));
        assertEquals(0, run.exitCode(), run.err());
        JsonNode metrics = SparkEngineTest.metrics(out);
        JsonNode config = metrics.get("config");
        assertTrue(config.get("many_workers_default").asBoolean(), config.toString());
        assertEquals(recipe.syncEvery(), config.get("sync_every").asInt());
        assertEquals(recipe.warmupEpochs(), config.get("sync_warmup_epochs").asInt());
        assertEquals(recipe.outerLearningRate(), config.get("outer_lr").asDouble());
        assertEquals(recipe.outerMomentum(), config.get("outer_momentum").asDouble());
        int after = recipe.syncEvery() == 0 ? 1 : (20 + recipe.syncEvery() - 1) / recipe.syncEvery();
        for (JsonNode epoch : metrics.get("epochs")) {
            int expected = epoch.get("epoch").asInt() <= recipe.warmupEpochs() ? 20 : after;
            for (JsonNode rounds : epoch.get("rounds_per_worker")) {
                assertEquals(expected, rounds.asInt(), "epoch " + epoch);
            }
        }
        double accuracy = metrics.get("final").get("test_accuracy").asDouble();
        assertTrue(accuracy > 0.7, "three Gaussian blobs are learnt (test accuracy " + accuracy + ")");
    }
}
