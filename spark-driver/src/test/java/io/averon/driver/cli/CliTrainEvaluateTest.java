package io.averon.driver.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code train} then {@code evaluate} on small generated data, checked the way a user would. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class CliTrainEvaluateTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void shouldWriteModelAndMetricsAndReproduceThemWhenEvaluatingIdxData() throws IOException {
        Path data = TestFiles.idxDirectory(tmp.resolve("digits"), 600, 200);
        Path out = tmp.resolve("run");
        CliRun train = CliRun.of("train", "--engine", "local", "--data", data.toString(), "--model", "mlp",
                "--epochs", "3", "--batch-size", "32", "--seed", "7", "--out", out.toString(), "--no-progress");
        assertEquals(0, train.exitCode(), train.err());
        assertTrue(train.out().contains("epoch 1/3") && train.out().contains("epoch 3/3"), train.out());

        JsonNode metrics = JSON.readTree(out.resolve("metrics.json").toFile());
        assertEquals(List.of("config", "epochs", "final", "summary"), fieldNames(metrics));
        assertEquals(3, metrics.get("epochs").size());
        JsonNode epoch = metrics.get("epochs").get(0);
        assertEquals(List.of("epoch", "train_loss", "train_accuracy", "test_loss", "test_accuracy", "examples",
                "wall_seconds", "examples_per_second"), fieldNames(epoch));
        assertEquals(600, epoch.get("examples").asLong());
        JsonNode fin = metrics.get("final");
        assertTrue(fin.get("test_accuracy").asDouble() > 0.9, "the bands are easy to learn: " + fin);
        assertEquals(10, fin.get("confusion_matrix").size());
        assertEquals(200, sum(fin.get("confusion_matrix")));

        CliRun eval = CliRun.of("evaluate", "--model", out.resolve("model.zip").toString(), "--data", data.toString(), "--json");
        assertEquals(0, eval.exitCode(), eval.err());
        JsonNode evaluated = JSON.readTree(eval.out());
        assertEquals(fin.get("test_accuracy").asDouble(), evaluated.get("test_accuracy").asDouble(), 0.0,
                "evaluate reproduces final.test_accuracy exactly");
        assertEquals(fin, evaluated, "evaluate --json prints the same object as final");

        CliRun text = CliRun.of("evaluate", "--model", out.resolve("model.zip").toString(), "--data", data.toString());
        assertEquals(0, text.exitCode(), text.err());
        assertTrue(text.out().contains("accuracy") && text.out().contains("confusion matrix"), text.out());
    }

    @Test
    void shouldTrainOnCsvWithValidationSplitAndEvaluateTheSameSplit() throws IOException {
        Path csv = TestFiles.csv(tmp.resolve("blobs.csv"), 500);
        Path out = tmp.resolve("csv-run");
        CliRun train = CliRun.of("train", "--data", csv.toString(), "--label-column", "label", "--validation-split",
                "0.2", "--model", "logistic", "--epochs", "5", "--batch-size", "16", "--lr", "0.05", "--out", out.toString(),
                "--no-progress");
        assertEquals(0, train.exitCode(), train.err());
        JsonNode metrics = JSON.readTree(out.resolve("metrics.json").toFile());
        assertEquals(100, metrics.get("config").get("test_examples").asInt());
        double accuracy = metrics.get("final").get("test_accuracy").asDouble();
        assertTrue(accuracy > 0.9, "a linear boundary: logistic regression learns it, got " + accuracy);

        CliRun eval = CliRun.of("evaluate", "--model", out.resolve("model.zip").toString(), "--data", csv.toString(),
                "--label-column", "label", "--json");
        assertEquals(0, eval.exitCode(), eval.err());
        assertEquals(metrics.get("final"), JSON.readTree(eval.out()));
    }

    @Test
    void shouldTrainTheCnnPresetWithItsOwnDefaultLearningRateWhenNoneIsGiven() throws IOException {
        Path data = TestFiles.idxDirectory(tmp.resolve("bands"), 300, 100);
        Path out = tmp.resolve("cnn-run");
        CliRun train = CliRun.of("train", "--data", data.toString(), "--model", "cnn", "--epochs", "1",
                "--batch-size", "32", "--out", out.toString(), "--no-progress");
        assertEquals(0, train.exitCode(), train.err());
        JsonNode config = JSON.readTree(out.resolve("metrics.json").toFile()).get("config");
        assertEquals(0.002, config.get("learning_rate").asDouble(), 0.0);
        assertEquals("adam", config.get("optimizer").asText());

        CliRun sgd = CliRun.of("train", "--data", data.toString(), "--model", "cnn", "--epochs", "1", "--optimizer",
                "sgd", "--out", tmp.resolve("cnn-sgd").toString(), "--no-progress");
        assertEquals(0, sgd.exitCode(), sgd.err());
        assertEquals(0.01, JSON.readTree(tmp.resolve("cnn-sgd/metrics.json").toFile()).get("config")
                .get("learning_rate").asDouble(), 0.0);
    }

    @Test
    void shouldDecayTheMlpPresetsRateLinearlyUnlessAScheduleIsGiven() throws IOException {
        Path data = TestFiles.idxDirectory(tmp.resolve("mlp-bands"), 200, 50);
        CliRun train = CliRun.of("train", "--engine", "local", "--data", data.toString(), "--model", "mlp", "--epochs",
                "1", "--out", tmp.resolve("mlp-default").toString(), "--no-progress");
        assertEquals(0, train.exitCode(), train.err());
        JsonNode config = JSON.readTree(tmp.resolve("mlp-default/metrics.json").toFile()).get("config");
        assertEquals(0.002, config.get("learning_rate").asDouble(), 0.0);
        assertEquals("linear", config.get("lr_schedule").asText());

        CliRun constant = CliRun.of("train", "--engine", "local", "--data", data.toString(), "--model", "mlp",
                "--epochs", "1", "--lr-schedule", "constant", "--lr", "0.001", "--out",
                tmp.resolve("mlp-constant").toString(), "--no-progress");
        assertEquals(0, constant.exitCode(), constant.err());
        JsonNode given = JSON.readTree(tmp.resolve("mlp-constant/metrics.json").toFile()).get("config");
        assertEquals("constant", given.get("lr_schedule").asText());
        assertEquals(0.001, given.get("learning_rate").asDouble(), 0.0);

        CliRun sgd = CliRun.of("train", "--engine", "local", "--data", data.toString(), "--model", "mlp", "--epochs",
                "1", "--optimizer", "sgd", "--out", tmp.resolve("mlp-sgd").toString(), "--no-progress");
        assertEquals(0, sgd.exitCode(), sgd.err());
        assertEquals("constant", JSON.readTree(tmp.resolve("mlp-sgd/metrics.json").toFile()).get("config")
                .get("lr_schedule").asText(), "the linear default is the Adam recipe's");
    }

    @Test
    void shouldReplaceOutputWhenOverwriteIsGiven() throws IOException {
        Path csv = TestFiles.csv(tmp.resolve("blobs.csv"), 100);
        Path out = Files.createDirectories(tmp.resolve("again"));
        Files.writeString(out.resolve("old.txt"), "old");
        CliRun train = CliRun.of("train", "--data", csv.toString(), "--model", "logistic", "--epochs", "1",
                "--out", out.toString(), "--overwrite", "--no-progress");
        assertEquals(0, train.exitCode(), train.err());
        assertTrue(Files.exists(out.resolve("model.zip")));
        assertTrue(Files.notExists(out.resolve("old.txt")));
    }

    @Test
    void shouldRefuseOptimiserOptionsWithAModelFileAndNotRecordAnOptimiserItDidNotUse() throws IOException {
        Path csv = TestFiles.csv(tmp.resolve("blobs.csv"), 200);
        Path file = tmp.resolve("net.json");
        Files.writeString(file, new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder().seed(3)
                .updater(new org.nd4j.linalg.learning.config.Sgd(0.1)).list()
                .layer(new org.deeplearning4j.nn.conf.layers.DenseLayer.Builder().nIn(2).nOut(4)
                        .activation(org.nd4j.linalg.activations.Activation.TANH).build())
                .layer(new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder(
                        org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction.MCXENT).nIn(4).nOut(2)
                        .activation(org.nd4j.linalg.activations.Activation.SOFTMAX).build())
                .build().toJson());
        String[] run = {"train", "--engine", "local", "--data", csv.toString(), "--model", file.toString(), "--epochs", "1",
                "--no-progress"};

        CliRun refused = CliRun.of(concat(run, "--out", tmp.resolve("refused").toString(), "--lr", "0.5",
                "--lr-schedule", "step"));
        assertEquals(2, refused.exitCode(), refused.err());
        assertEquals("averon: --lr, --lr-schedule set the optimiser of the built-in models; --model " + file
                + " carries its own (its \"updater\" in the JSON): set it there", refused.errorLine());
        assertTrue(Files.notExists(tmp.resolve("refused")));

        CliRun trained = CliRun.of(concat(run, "--out", tmp.resolve("file-model").toString()));
        assertEquals(0, trained.exitCode(), trained.err());
        JsonNode config = JSON.readTree(tmp.resolve("file-model").resolve("metrics.json").toFile()).get("config");
        for (String key : List.of("optimizer", "learning_rate", "lr_schedule", "lr_decay", "lr_step")) {
            assertFalse(config.has(key), "metrics.json records " + key + ", which the model file's run did not use: "
                    + config);
        }
    }

    @Test
    void shouldRecordTheScheduleAndShufflingItUsedSoTheRunCanBeReproduced() throws IOException {
        Path csv = TestFiles.csv(tmp.resolve("blobs.csv"), 200);
        CliRun run = CliRun.of("train", "--engine", "local", "--data", csv.toString(), "--model", "logistic", "--epochs",
                "2", "--lr-schedule", "step", "--lr-decay", "0.3", "--lr-step", "1", "--no-shuffle", "--out",
                tmp.resolve("run").toString(), "--no-progress");
        assertEquals(0, run.exitCode(), run.err());
        JsonNode config = JSON.readTree(tmp.resolve("run").resolve("metrics.json").toFile()).get("config");
        assertEquals("step", config.get("lr_schedule").asText());
        assertEquals(0.3, config.get("lr_decay").asDouble(), 0.0);
        assertEquals(1, config.get("lr_step").asInt());
        assertFalse(config.get("shuffle").asBoolean(), "--no-shuffle recorded: " + config);
    }

    private static String[] concat(String[] first, String... more) {
        String[] all = java.util.Arrays.copyOf(first, first.length + more.length);
        System.arraycopy(more, 0, all, first.length, more.length);
        return all;
    }

    @Test
    void shouldWriteToAFileUriLikeToAPathAndLeaveNoHadoopSideFiles() throws IOException {
        Path csv = TestFiles.csv(tmp.resolve("blobs.csv"), 100);
        Path dir = tmp.resolve("uri-run");
        String uri = dir.toUri().toString();
        CliRun train = CliRun.of("train", "--data", csv.toString(), "--model", "logistic", "--epochs", "1",
                "--engine", "local", "--out", uri, "--no-progress");
        assertEquals(0, train.exitCode(), train.err());
        assertTrue(train.out().strip().endsWith("wrote " + uri), train.out());
        assertEquals(List.of("averon.log", "checkpoints", "metrics.json", "model.zip", "report.html"), listNames(dir),
                "no .crc files");
        assertEquals(List.of("epoch-0001.zip"), listNames(dir.resolve("checkpoints")), "no .crc files");
        String report = Files.readString(dir.resolve("report.html"));
        assertTrue(report.contains("random 20% held out (seed ") && !report.contains("SplitSpec["),
                "the report says how the data was split in words");
        assertEquals(List.of("blobs.csv", "uri-run"), listNames(tmp), "no staging directory left");
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("model.zip"))));

        CliRun again = CliRun.of("train", "--data", csv.toString(), "--model", "logistic", "--epochs", "1",
                "--engine", "local", "--out", uri, "--overwrite", "--no-progress");
        assertEquals(0, again.exitCode(), again.err());
        assertEquals(List.of("averon.log", "checkpoints", "metrics.json", "model.zip", "report.html"), listNames(dir));
        assertEquals(List.of("blobs.csv", "uri-run"), listNames(tmp), "the replaced run was deleted");
    }

    private static List<String> listNames(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static long sum(JsonNode matrix) {
        long total = 0;
        for (JsonNode row : matrix) {
            for (JsonNode cell : row) {
                total += cell.asLong();
            }
        }
        return total;
    }
}
