package io.averon.driver.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
        for (JsonNode epoch : metrics.get("epochs")) {
            assertEquals(workers, epoch.get("workers").asInt(), "every worker reported epoch " + epoch.get("epoch"));
            assertEquals(workers * 80, epoch.get("examples").asInt(), "every training example was seen");
        }
        double accuracy = metrics.get("final").get("test_accuracy").asDouble();
        assertTrue(accuracy > 0.7, "three Gaussian blobs are learnt (test accuracy " + accuracy + ")");
    }
}
