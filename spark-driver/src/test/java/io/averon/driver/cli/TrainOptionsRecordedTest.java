package io.averon.driver.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.file.Path;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A run can be reproduced from its own files: every option of {@code train} that shapes the training
 * is in metrics.json's {@code config} (under its setting's key, else its name with dashes as underscores), and the options that
 * are not say why here. A new option fails this test until it is recorded or listed below.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class TrainOptionsRecordedTest {

    /** Options that are not training settings, or are recorded under another key; each with its reason. */
    private static final Map<String, String> NOT_RECORDED = Map.ofEntries(
            Map.entry("--out", "where the files are"),
            Map.entry("--overwrite", "what happens to an existing --out, not to the training"),
            Map.entry("--progress", "terminal output only"),
            Map.entry("--verbose", "terminal output only"),
            Map.entry("--help", "usage"),
            Map.entry("--version", "usage"),
            Map.entry("--sign-key", "signs the files; the signature is in model.zip"),
            Map.entry("--verify-key", "checks the checkpoints --resume reads"),
            Map.entry("--resume", "metrics.json keeps every epoch of the resumed run, and attempt_per_worker"),
            Map.entry("--secret-file", "a secret: never written"),
            Map.entry("--allow-shared-secret-file", "a permission check on the secret file"),
            Map.entry("--job", "names the run at an external parameter server: infrastructure"),
            Map.entry("--ps", "an external parameter server's address: infrastructure"),
            Map.entry("--ps-port", "the driver's server port: infrastructure"),
            Map.entry("--report-port", "the driver's report port: infrastructure"),
            Map.entry("--master", "where Spark runs; the worker count is recorded as workers"),
            Map.entry("--threads", "recorded with the native runtime's settings under native"),
            Map.entry("--round-timeout-ms", "how long a round may wait: failure detection, not training"),
            Map.entry("--mtu", "the transport's frame size: not training"),
            Map.entry("--lr", "the short name of --learning-rate"),
            Map.entry("--lr-decay", "recorded as lr_decay when the schedule uses it (step, exponential)"),
            Map.entry("--lr-step", "recorded as lr_step when the schedule uses it (step)"),
            Map.entry("--label-column", "recorded as label_column when given (else the data's last column)"),
            Map.entry("--validation-split", "recorded under split, as its validation fraction"),
            Map.entry("--split", "recorded under split"));

    @TempDir
    Path tmp;

    @Test
    void shouldRecordEveryTrainingOptionInMetricsJson() throws Exception {
        Path data = SparkEngineTest.writeCsv(tmp.resolve("blobs.csv"), SparkEngineTest.blobRows(200));
        CliRun run = SparkEngineTest.train(data, tmp.resolve("run"), "--workers", "2", "--model", "logistic",
                "--epochs", "1");
        assertEquals(0, run.exitCode(), run.err());
        JsonNode config = new ObjectMapper().readTree(tmp.resolve("run").resolve("metrics.json").toFile()).get("config");

        TreeSet<String> missing = new TreeSet<>();
        TreeSet<String> options = new TreeSet<>();
        CommandLine train = AveronCli.commandLine().getSubcommands().get("train");
        Map<String, String> keys = new java.util.HashMap<>();
        for (io.averon.core.settings.Setting<?> setting : ((TrainCommand) train.getCommand()).settings()) {
            keys.put(setting.option(), setting.key());
        }
        for (CommandLine.Model.OptionSpec option : train.getCommandSpec().options()) {
            for (String name : option.names()) {
                options.add(name);
                String key = keys.getOrDefault(name, name.substring(name.startsWith("--") ? 2 : 0).replace('-', '_'));
                if (name.startsWith("--") && !NOT_RECORDED.containsKey(name) && !config.has(key)) {
                    missing.add(name);
                }
            }
        }
        assertEquals(new TreeSet<String>(), missing, "options of train that metrics.json's config does not record "
                + "(record them, or say here why not): " + config);
        TreeSet<String> stale = new TreeSet<>(NOT_RECORDED.keySet());
        stale.removeAll(options);
        assertEquals(new TreeSet<String>(), stale, "listed here but not options of train");
    }
}
