package io.averon.driver.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.averon.core.InvalidInputException;
import io.averon.core.artifact.Manifest;
import io.averon.core.artifact.ModelArtifact;
import io.averon.core.artifact.ModelDescription;
import io.averon.core.data.Normalizer;
import io.averon.core.data.SplitSpec;
import io.averon.core.io.Location;
import io.averon.core.model.AveronModel;
import io.averon.core.model.ModelFactory;
import io.averon.core.model.ModelSpec;
import io.averon.core.model.UpdaterSpec;
import org.apache.hadoop.conf.Configuration;
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
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Training from a real HDFS ({@link MiniDFSCluster} in this JVM): executors read {@code hdfs://}
 * data through the Hadoop FileSystem API, with the same result as from a local copy.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class HdfsTrainingTest {

    @TempDir
    static java.nio.file.Path tmp;

    static MiniDFSCluster hdfs;
    static String root;

    @BeforeAll
    static void startHdfs() throws IOException {
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, tmp.resolve("hdfs").toString());
        hdfs = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        hdfs.waitActive();
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
}
