package io.averon.driver.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.averon.core.InvalidInputException;
import io.averon.core.artifact.Manifest;
import io.averon.core.artifact.ModelArtifact;
import io.averon.core.artifact.ModelDescription;
import io.averon.core.data.ArrayDataSet;
import io.averon.core.data.DataSources;
import io.averon.core.data.DataSpec;
import io.averon.core.data.Normalizer;
import io.averon.core.data.SplitSpec;
import io.averon.core.io.Location;
import io.averon.core.model.AveronModel;
import io.averon.core.model.ModelFactory;
import io.averon.core.model.ModelSpec;
import io.averon.core.model.UpdaterSpec;
import io.averon.core.train.Evaluator;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Training from and to a real HDFS ({@link MiniDFSCluster} in this JVM): executors read
 * {@code hdfs://} data through the Hadoop FileSystem API, with the same result as from a local
 * copy; {@code --out hdfs://...} gets the same run directory, checkpoints, overwrite and resume
 * guarantees as a local directory.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class HdfsTrainingTest {

    @TempDir
    static java.nio.file.Path tmp;

    static MiniDFSCluster hdfs;
    static String root;

    @BeforeAll
    static void startHdfs() throws IOException {
        hdfs = MiniHdfs.start(tmp.resolve("hdfs"));
        root = hdfs.getURI().toString();
    }

    @AfterAll
    static void stopHdfs() {
        if (hdfs != null) {
            hdfs.shutdown(true);
        }
    }

    static String upload(java.nio.file.Path local, String name) throws IOException {
        FileSystem fs = hdfs.getFileSystem();
        Path target = new Path("/data/" + name);
        fs.copyFromLocalFile(new Path(local.toUri()), target);
        return root + "/data/" + name;
    }

    @Test
    void shouldTrainFromHdfsLikeFromTheLocalCopyWhenTwoWorkersReadTheirShards() throws IOException {
        java.nio.file.Path csv = SparkEngineTest.writeCsv(tmp.resolve("blobs.csv"), SparkEngineTest.blobRows(900));
        String uri = upload(csv, "blobs.csv");
        assertTrue(hdfs.getFileSystem().exists(new Path("/data/blobs.csv")), "the data is in HDFS");
        String[] args = {"--workers", "2", "--model", "mlp", "--epochs", "2", "--batch-size", "32", "--seed", "3",
                "--deterministic"};

        CliRun fromHdfs = SparkEngineTest.train(uri, tmp.resolve("hdfs-run"), args);
        assertEquals(0, fromHdfs.exitCode(), fromHdfs.err());
        CliRun fromLocal = SparkEngineTest.train(csv, tmp.resolve("local-run"), args);
        assertEquals(0, fromLocal.exitCode(), fromLocal.err());

        assertArrayEquals(SparkEngineTest.params(tmp.resolve("local-run")), SparkEngineTest.params(tmp.resolve("hdfs-run")),
                "the same bytes through HDFS train the same model");
        JsonNode metrics = SparkEngineTest.metrics(tmp.resolve("hdfs-run"));
        assertEquals(uri, metrics.get("config").get("data").asText());
        assertEquals(2, metrics.get("epochs").get(1).get("workers").asInt());
    }

    @Test
    void shouldReadBackAModelWrittenToHdfsAndRefuseItTruncatedOrTampered() throws IOException {
        AveronModel model = ModelFactory.create(ModelSpec.parse("mlp"), new int[] {4}, 3, UpdaterSpec.adam(0.01), 9);
        ModelDescription description = new ModelDescription(List.of("a", "b", "c"), new int[] {4}, Normalizer.none(),
                SplitSpec.provided(), Map.of("model", "mlp"), 9, new Manifest.DataProvenance("x.csv", "ab".repeat(32), 10, 2));
        String uri = root + "/models/run1/model.zip";
        ModelArtifact.write(Location.of(uri), model, description);
        FileSystem fs = hdfs.getFileSystem();
        assertTrue(fs.exists(new Path("/models/run1/model.zip")));
        assertEquals(1, fs.listStatus(new Path("/models/run1")).length, "no temporary file left beside it");
        assertArrayEquals(model.params().toFloatVector(),
                ModelArtifact.read(Location.of(uri)).model().params().toFloatVector());

        byte[] bytes;
        try (var in = fs.open(new Path("/models/run1/model.zip"))) {
            bytes = in.readAllBytes();
        }
        String truncated = root + "/models/truncated.zip";
        try (var out = fs.create(new Path("/models/truncated.zip"))) {
            out.write(bytes, 0, bytes.length - 40);
        }
        InvalidInputException cut = assertThrows(InvalidInputException.class,
                () -> ModelArtifact.read(Location.of(truncated)));
        assertTrue(cut.getMessage().startsWith(truncated + ": "), cut.getMessage());

        String tampered = root + "/models/tampered.zip";
        byte[] changed = bytes.clone();
        changed[changed.length / 2] ^= 0x5a;
        try (var out = fs.create(new Path("/models/tampered.zip"))) {
            out.write(changed);
        }
        InvalidInputException bad = assertThrows(InvalidInputException.class,
                () -> ModelArtifact.read(Location.of(tampered)));
        assertTrue(bad.getMessage().startsWith(tampered + ": "), bad.getMessage());

        ModelArtifact.write(Location.of(root + "/models/run1/model.zip"), model, description); // overwrites in place
        assertEquals(1, fs.listStatus(new Path("/models/run1")).length);
        String missing = root + "/models/none.zip";
        InvalidInputException none = assertThrows(InvalidInputException.class,
                () -> ModelArtifact.read(Location.of(missing)));
        assertEquals(missing + ": no such file", none.getMessage());
    }

    @Test
    void shouldNameTheHdfsFileWhenItDoesNotExist() {
        String missing = root + "/data/nothing-here.csv";
        CliRun run = SparkEngineTest.train(missing, tmp.resolve("missing"), "--workers", "1");
        assertEquals(2, run.exitCode(), "bad input");
        assertEquals("averon: " + missing + ": no such file or directory", run.errorLine());
        assertTrue(Files.notExists(tmp.resolve("missing")), "nothing written");
    }

    @Test
    void shouldWriteModelMetricsAndCheckpointsToHdfsWhenTheSparkEngineTrainsWithTwoWorkers() throws IOException {
        String data = upload(SparkEngineTest.writeCsv(tmp.resolve("spark-out.csv"), SparkEngineTest.blobRows(600)),
                "spark-out.csv");
        String out = root + "/runs/spark/run";
        CliRun run = SparkEngineTest.train(data, out, "--workers", "2", "--model", "logistic", "--epochs", "3",
                "--lr", "0.05");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().strip().endsWith("wrote " + out), run.out());

        assertEquals(List.of("averon.log", "checkpoints", "metrics.json", "model.zip", "report.html"), names("/runs/spark/run"));
        assertEquals(List.of("epoch-0002.zip", "epoch-0003.zip"), names("/runs/spark/run/checkpoints"),
                "the newest 2 checkpoints");
        assertEquals(List.of(), hidden("/runs/spark"), "no temporary files or directories left");
        JsonNode metrics = metrics(out);
        assertEquals(3, metrics.get("epochs").size());
        assertEquals(2, metrics.get("config").get("workers").asInt());

        ModelArtifact model = ModelArtifact.read(Location.of(out + "/model.zip"));
        ArrayDataSet test = DataSources.loadForEvaluation(DataSpec.builder(data).splitKind(SplitSpec.Kind.TIME_ORDERED)
                .build(), model.manifest().classNames(), model.manifest().inputShape(), model.manifest().normalizer(),
                model.manifest().split());
        double accuracy = Evaluator.evaluate(model.model(), test).accuracy();
        assertEquals(metrics.get("final").get("test_accuracy").asDouble(), accuracy, 0.0,
                "the model read back from HDFS evaluates to metrics.json's final accuracy");
        assertTrue(accuracy > 0.8, "learned the blobs: " + accuracy);
        ModelArtifact newest = ModelArtifact.read(Location.of(out + "/checkpoints/epoch-0003.zip"));
        assertArrayEquals(model.model().params().toFloatVector(), newest.model().params().toFloatVector(),
                "the last checkpoint holds the final model");
    }

    @Test
    void shouldRefuseAnExistingHdfsRunWithoutOverwriteAndReplaceItWithOverwrite() throws IOException {
        String data = upload(SparkEngineTest.writeCsv(tmp.resolve("again.csv"), SparkEngineTest.blobRows(300)),
                "again.csv");
        String out = root + "/runs/again/run";
        String[] args = {"--workers", "2", "--model", "logistic", "--epochs", "2", "--lr", "0.05"};
        CliRun first = SparkEngineTest.train(data, out, concatArgs(args, "--seed", "1"));
        assertEquals(0, first.exitCode(), first.err());
        byte[] firstModel = read("/runs/again/run/model.zip");
        try (var note = hdfs.getFileSystem().create(new Path("/runs/again/run/notes.txt"))) {
            note.writeUTF("mine");
        }

        CliRun refused = SparkEngineTest.train(data, out, concatArgs(args, "--seed", "2"));
        assertEquals(2, refused.exitCode(), refused.err());
        assertEquals("averon: --out " + out + " already exists; choose a new directory, pass --overwrite, or --resume "
                + "to continue its run", refused.errorLine());
        assertArrayEquals(firstModel, read("/runs/again/run/model.zip"), "the first run is intact");
        assertEquals(List.of("averon.log", "checkpoints", "metrics.json", "model.zip", "notes.txt", "report.html"), names("/runs/again/run"));

        CliRun failed = SparkEngineTest.failingAt("0:2:1:always",
                () -> SparkEngineTest.train(data, out, concatArgs(args, "--seed", "3", "--overwrite")));
        assertEquals(1, failed.exitCode(), failed.err());
        assertEquals(List.of("averon.log", "checkpoints", "metrics.json", "report.html"), names("/runs/again/run"),
                "an epoch was written: the failed new run (resumable) has replaced the old one");
        assertEquals(List.of("epoch-0001.zip"), names("/runs/again/run/checkpoints"));
        assertEquals(List.of(), hidden("/runs/again"), "the moved-aside run was deleted");

        CliRun replaced = SparkEngineTest.train(data, out, concatArgs(args, "--seed", "2", "--overwrite"));
        assertEquals(0, replaced.exitCode(), replaced.err());
        assertEquals(List.of("averon.log", "checkpoints", "metrics.json", "model.zip", "report.html"), names("/runs/again/run"),
                "the old run is gone, notes.txt with it");
        assertEquals(2, metrics(out).get("config").get("seed").asInt(), "the new run's metrics");
        assertFalse(Arrays.equals(firstModel, read("/runs/again/run/model.zip")), "a new model");
        assertEquals(List.of("epoch-0001.zip", "epoch-0002.zip"), names("/runs/again/run/checkpoints"));
        assertEquals(List.of(), hidden("/runs/again"), "the moved-aside run was deleted");
    }

    @Test
    void shouldResumeFromThePreviousHdfsCheckpointWhenTheNewestIsTruncated() throws IOException {
        String data = upload(SparkEngineTest.writeCsv(tmp.resolve("resume.csv"), SparkEngineTest.blobRows(600)),
                "resume.csv");
        String out = root + "/runs/resume/run";
        String[] args = {"--workers", "2", "--model", "logistic", "--epochs", "3", "--lr", "0.05"};
        CliRun failed = SparkEngineTest.failingAt("0:3:2:always", () -> SparkEngineTest.train(data, out, args));
        assertEquals(1, failed.exitCode(), failed.err());
        assertEquals(List.of("epoch-0001.zip", "epoch-0002.zip"), names("/runs/resume/run/checkpoints"));
        JsonNode before = metrics(out);
        assertEquals(2, before.get("epochs").size());

        byte[] newest = read("/runs/resume/run/checkpoints/epoch-0002.zip");
        try (var cut = hdfs.getFileSystem().create(new Path("/runs/resume/run/checkpoints/epoch-0002.zip"), true)) {
            cut.write(newest, 0, newest.length / 2);
        }
        assertThrows(InvalidInputException.class,
                () -> ModelArtifact.read(Location.of(out + "/checkpoints/epoch-0002.zip")), "the newest is damaged");

        CliRun resumed = SparkEngineTest.train(data, out, concatArgs(args, "--resume"));
        assertEquals(0, resumed.exitCode(), resumed.err());
        JsonNode after = metrics(out);
        assertEquals(3, after.get("epochs").size(), "epoch 1 carried over, 2-3 trained again");
        assertEquals(before.get("epochs").get(0), after.get("epochs").get(0), "epoch 1 is the failed run's");
        assertFalse(before.get("epochs").get(1).equals(after.get("epochs").get(1)),
                "epoch 2 was trained again: the resume fell back to epoch-0001.zip");
        assertTrue(after.get("final").get("test_accuracy").asDouble() > 0.8);
        assertEquals(List.of("averon.log", "checkpoints", "metrics.json", "model.zip", "report.html"), names("/runs/resume/run"));
        ModelArtifact.read(Location.of(out + "/checkpoints/epoch-0002.zip")); // rewritten whole
        assertEquals(List.of(), hidden("/runs/resume"));
    }

    @Test
    void shouldWriteTheLocalEngineRunToHdfsWithCheckpointsAndReplaceItOnlyWithOverwrite() throws IOException {
        String data = upload(SparkEngineTest.writeCsv(tmp.resolve("local-out.csv"), SparkEngineTest.blobRows(300)),
                "local-out.csv");
        String out = root + "/runs/local/run";
        String[] args = {"--engine", "local", "--threads", "1", "--model", "logistic", "--epochs", "2", "--lr", "0.05"};
        CliRun run = SparkEngineTest.train(data, out, args);
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().strip().endsWith("wrote " + out), run.out());
        assertEquals(List.of("averon.log", "checkpoints", "metrics.json", "model.zip", "report.html"),
                names("/runs/local/run"));
        assertEquals(List.of("epoch-0001.zip", "epoch-0002.zip"), names("/runs/local/run/checkpoints"));
        assertEquals(List.of("run"), names("/runs/local"));
        assertEquals(List.of(), hidden("/runs/local"));
        assertEquals(2, metrics(out).get("epochs").size());
        byte[] firstModel = read("/runs/local/run/model.zip");
        ModelArtifact.read(Location.of(out + "/model.zip"));

        CliRun refused = SparkEngineTest.train(data, out, args);
        assertEquals(2, refused.exitCode(), refused.err());
        assertEquals("averon: --out " + out + " already exists; choose a new directory, pass --overwrite, or --resume "
                + "to continue its run", refused.errorLine());
        assertArrayEquals(firstModel, read("/runs/local/run/model.zip"));
        assertEquals(List.of(), hidden("/runs/local"), "the refused run left nothing beside it");

        CliRun replaced = SparkEngineTest.train(data, out, concatArgs(args, "--overwrite", "--seed", "5"));
        assertEquals(0, replaced.exitCode(), replaced.err());
        assertFalse(Arrays.equals(firstModel, read("/runs/local/run/model.zip")), "replaced");
        assertEquals(List.of("run"), names("/runs/local"));
        assertEquals(List.of(), hidden("/runs/local"));
    }

    /** Names in an HDFS directory, sorted. */
    private static List<String> names(String dir) throws IOException {
        return Arrays.stream(hdfs.getFileSystem().listStatus(new Path(dir))).map(s -> s.getPath().getName()).sorted()
                .toList();
    }

    /** Hidden ({@code .x}) files and directories anywhere under an HDFS directory. */
    private static List<String> hidden(String dir) throws IOException {
        List<String> found = new ArrayList<>();
        for (FileStatus s : hdfs.getFileSystem().listStatus(new Path(dir))) {
            if (s.getPath().getName().startsWith(".")) {
                found.add(s.getPath().toUri().getPath());
            } else if (s.isDirectory()) {
                found.addAll(hidden(s.getPath().toUri().getPath()));
            }
        }
        return found;
    }

    private static byte[] read(String file) throws IOException {
        try (var in = hdfs.getFileSystem().open(new Path(file))) {
            return in.readAllBytes();
        }
    }

    private static JsonNode metrics(String run) throws IOException {
        try (var in = Location.of(run + "/metrics.json").open()) {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(in);
        }
    }

    private static String[] concatArgs(String[] first, String... more) {
        String[] out = Arrays.copyOf(first, first.length + more.length);
        System.arraycopy(more, 0, out, first.length, more.length);
        return out;
    }
}
