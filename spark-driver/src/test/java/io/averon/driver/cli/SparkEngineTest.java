package io.averon.driver.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.averon.driver.testing.TrainingFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code averon train} on the spark engine (Spark {@code local[2]}), end to end: what the CLI adds to
 * the engine (its options reaching it, its refusals, its error lines and exit codes) and a driver
 * configured as spark-submit configures it. The engine's behaviour is tested through its API, in
 * {@code io.averon.driver.training.SparkEngineTest} and {@code SparkEngineFailureTest}. The static
 * helpers run the CLI for the other CLI tests.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class SparkEngineTest {

    static final int FEATURES = TrainingFixtures.FEATURES;

    @TempDir
    Path tmp;

    /** Rows of three Gaussian blobs ({@link TrainingFixtures#blobRows}). */
    static List<String> blobRows(int rows) {
        return TrainingFixtures.blobRows(rows);
    }

    static Path writeCsv(Path file, List<String> rows) throws IOException {
        return TrainingFixtures.writeCsv(file, rows);
    }

    static CliRun train(Path data, Path out, String... extra) {
        return train(data.toString(), out, extra);
    }

    static CliRun train(String data, Path out, String... extra) {
        return train(data, out.toString(), extra);
    }

    /** As above with {@code --out} as a string: a local path or a URI such as {@code hdfs://...}. */
    static CliRun train(String data, String out, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--data", data, "--split", "time",
                "--out", out, "--no-progress"));
        args.addAll(List.of(extra));
        if (!args.contains("local") && !args.contains("--master")) {
            args.addAll(List.of("--master", "local[2]"));
        }
        return CliRun.of(args.toArray(String[]::new));
    }

    /**
     * Runs {@code run} with the test failure hook {@code spec} ({@code WORKER:EPOCH:BATCH[:always]}):
     * a Spark property the driver's SparkConf reads from the system properties, in no public configuration.
     */
    static CliRun failingAt(String spec, java.util.function.Supplier<CliRun> run) {
        System.setProperty("spark.averon.test.fail-at", spec);
        try {
            return run.get();
        } finally {
            System.clearProperty("spark.averon.test.fail-at");
        }
    }

    static float[] params(Path run) {
        return TrainingFixtures.params(run);
    }

    static JsonNode metrics(Path run) throws IOException {
        return TrainingFixtures.metrics(run);
    }

    /** Every averaging option of train, each away from its default, as the engine received it (metrics.json's config). */
    @Test
    void shouldHandTheAveragingOptionsToTheSparkEngine() throws IOException {
        Path data = TrainingFixtures.blobCsv(tmp.resolve("blobs.csv"), 300);
        CliRun run = train(data, tmp.resolve("run"), "--workers", "2", "--model", "logistic", "--epochs", "1",
                "--batch-size", "16", "--averaging", "sharded", "--no-hierarchical", "--sync-every", "5",
                "--sync-warmup-epochs", "1", "--updater-sync-every", "3", "--overlap", "--compress", "int8",
                "--deterministic", "--outer-lr", "0.8", "--outer-momentum", "0.5");
        assertEquals(0, run.exitCode(), run.err());
        JsonNode config = metrics(tmp.resolve("run")).get("config");
        assertEquals(List.of("spark", "2", "sharded", "false", "5", "1", "3", "true", "int8", "true", "0.8", "0.5",
                "false"), List.of("engine", "workers", "averaging", "hierarchical", "sync_every", "sync_warmup_epochs",
                "updater_sync_every", "overlap", "compress", "deterministic", "outer_lr", "outer_momentum",
                "many_workers_default").stream().map(key -> config.path(key).asText()).toList(), config.toString());
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
            "--sync-warmup-epochs 4 | --sync-warmup-epochs must be at most --epochs (3), got 4",
            "--engine local --sync-warmup-epochs 1 | --sync-warmup-epochs needs --engine spark",
            "--engine local --sync-every 8 --outer-momentum 0.9 | --sync-every, --outer-momentum need --engine spark"})
    void shouldRefuseABadSyncWarmupBeforeTraining(String options, String message) {
        Path data = TrainingFixtures.blobCsv(tmp.resolve("blobs.csv"), 300);
        CliRun run = train(data, tmp.resolve("run"), concat(new String[] {"--model", "logistic", "--epochs", "3"},
                options.split(" ")));
        assertEquals(2, run.exitCode(), run.err());
        assertEquals("averon: " + message, run.errorLine());
        assertFalse(Files.exists(tmp.resolve("run")), "nothing written");
    }

    @Test
    void shouldExitWithOneErrorLineNamingTheWorkerWhenTrainingFails() {
        Path data = TrainingFixtures.blobCsv(tmp.resolve("blobs.csv"), 600);
        CliRun run = failingAt("1:1:3:always", () -> train(data, tmp.resolve("run"), "--workers", "2", "--model",
                "logistic", "--epochs", "1", "--batch-size", "16"));
        assertEquals(1, run.exitCode());
        assertFalse(run.errorLine().contains("\n"), run.errorLine());
        assertTrue(run.errorLine().startsWith("averon: training failed:"), run.errorLine());
        assertTrue(run.errorLine().contains("worker 1 fails at epoch 1, minibatch 3"), run.errorLine());
        assertTrue(run.errorLine().contains("(details in "), run.errorLine());
    }

    @Test
    void shouldTrainWhenTheDriverBindsToAllInterfacesAndAdvertisesItsHost() {
        // as on Kubernetes, where Spark binds spark.driver.bindAddress and executors reach spark.driver.host
        // (spark-submit hands the driver its --conf as system properties): the parameter server and the
        // report receiver bind 0.0.0.0, executors send to 127.0.0.1
        System.setProperty("spark.driver.bindAddress", "0.0.0.0");
        try {
            Path data = TrainingFixtures.blobCsv(tmp.resolve("bind.csv"), 400);
            CliRun run = train(data, tmp.resolve("bind-any"), "--workers", "2", "--model", "logistic", "--epochs", "1");
            assertEquals(0, run.exitCode(), run.err());
        } finally {
            System.clearProperty("spark.driver.bindAddress");
        }
    }

    private static String[] concat(String[] first, String... more) {
        String[] out = java.util.Arrays.copyOf(first, first.length + more.length);
        System.arraycopy(more, 0, out, first.length, more.length);
        return out;
    }
}
