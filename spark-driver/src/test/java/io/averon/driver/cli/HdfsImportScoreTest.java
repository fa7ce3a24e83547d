package io.averon.driver.cli;

import io.averon.core.artifact.ModelArtifact;
import io.averon.core.data.ArrayDataSet;
import io.averon.core.data.DataSources;
import io.averon.core.data.IdxReader;
import io.averon.core.io.Location;
import io.averon.core.model.AveronModel;
import io.averon.core.train.MinibatchFeeder;
import io.averon.driver.data.AveronDataset;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Import, training and batch scoring against a real HDFS ({@link MiniDFSCluster} in this JVM):
 * an IDX data set imported to Parquet on HDFS, trained on by 2 workers, the model written to
 * HDFS and used to score the data set back to HDFS, prediction for prediction equal to the same
 * model run in this process.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class HdfsImportScoreTest {

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

    static CliRun cli(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--master", "local[2]"));
        return CliRun.of(all.toArray(String[]::new));
    }

    /** Reads a Parquet directory with a short-lived Spark session (the CLI commands start and stop their own). */
    static <T> T withSpark(Function<SparkSession, T> body) {
        SparkSession spark = SparkSession.builder().master("local[2]").appName("test").getOrCreate();
        try {
            return body.apply(spark);
        } finally {
            spark.stop();
        }
    }

    static List<Row> readParquet(String uri) {
        return withSpark(spark -> spark.read().parquet(uri).collectAsList());
    }

    @Test
    void shouldImportTrainAndScoreOnHdfsWithTheSamePredictionsAsOneProcess() throws IOException {
        java.nio.file.Path idx = TestFiles.idxDirectory(tmp.resolve("idx"), 2000, 500);
        FileSystem fs = hdfs.getFileSystem();
        fs.copyFromLocalFile(new Path(idx.toUri()), new Path("/src/idx"));
        String dataset = root + "/datasets/digits";

        CliRun imported = cli("import", "--from", root + "/src/idx", "--to", dataset);
        assertEquals(0, imported.exitCode(), imported.err());
        assertTrue(imported.out().contains("imported 2,500 records {train=2000, test=500} + rejected 0 = read 2,500"),
                imported.out());
        assertTrue(fs.exists(new Path("/datasets/digits/_SUCCESS")), "Spark committed the Parquet files");
        assertTrue(fs.exists(new Path("/datasets/digits/split=train")) && fs.exists(new Path("/datasets/digits/split=test")),
                "partitioned by split");
        assertTrue(fs.exists(new Path("/datasets/digits/_averon.json")));
        assertEquals(AveronDataset.UINT8, AveronDataset.metadata(Location.of(dataset)).featuresEncoding());
        ArrayDataSet source = IdxReader.readImagesAndLabels(idx.resolve("train-images-idx3-ubyte.gz"),
                idx.resolve("train-labels-idx1-ubyte.gz"), DataSources.DIGITS);
        Row record = withSpark(spark -> spark.read().parquet(dataset).filter("id = 7").first());
        byte[] pixels = record.getAs("features");
        float[] expectedPixels = Arrays.copyOfRange(source.features(), 7 * 256, 8 * 256);
        assertEquals(256, pixels.length, "one byte per pixel");
        for (int j = 0; j < pixels.length; j++) {
            assertEquals(expectedPixels[j], pixels[j] & 0xFF, "pixel " + j + " of record 7");
        }
        assertEquals(source.classNames().get(((io.averon.core.data.Labels.Classes) source.labels()).values()[7]),
                record.getAs("label"));

        String run = root + "/runs/digits";
        CliRun trained = cli("train", "--data", dataset, "--workers", "2", "--model", "mlp", "--epochs", "2",
                "--batch-size", "64", "--seed", "4", "--out", run, "--no-progress");
        assertEquals(0, trained.exitCode(), trained.err());
        assertTrue(fs.exists(new Path("/runs/digits/model.zip")), "the model is on HDFS");
        String report;
        try (var in = fs.open(new Path("/runs/digits/report.html"))) {
            report = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        assertEquals(16, report.split("alt=\"example ", -1).length - 1,
                "the 16 highest-loss held-out images, found in the executors that hold the Parquet rows");

        String scores = root + "/scores/digits";
        CliRun scored = cli("score", "--model", run + "/model.zip", "--input", dataset, "--output", scores,
                "--top-k", "3", "--batch-size", "100");
        assertEquals(0, scored.exitCode(), scored.err());
        assertTrue(scored.out().contains("scored 2,500 + rejected 0 = read 2,500"), scored.out());
        assertTrue(fs.exists(new Path("/scores/digits/_SUCCESS")));

        // the same model, in this process, over the same records (ids: train 0..1999, then test)
        ArrayDataSet train = source;
        ArrayDataSet test = IdxReader.readImagesAndLabels(idx.resolve("t10k-images-idx3-ubyte.gz"),
                idx.resolve("t10k-labels-idx1-ubyte.gz"), DataSources.DIGITS);
        ModelArtifact artifact = ModelArtifact.read(Location.of(run + "/model.zip"));
        float[][] expected = concat(probabilities(artifact, train), probabilities(artifact, test));
        List<Row> rows = readParquet(scores);
        assertEquals(2500, rows.size(), "one row per input record");
        int correct = 0;
        for (Row row : rows) {
            int id = (int) row.getLong(row.fieldIndex("id"));
            float[] p = expected[id];
            int best = argmax(p);
            assertEquals(DataSources.DIGITS.get(best), row.getString(row.fieldIndex("predicted")), "record " + id);
            assertEquals(p[best], row.getDouble(row.fieldIndex("probability")), 1e-5, "record " + id);
            List<Row> top = row.getList(row.fieldIndex("top_k"));
            assertEquals(3, top.size());
            assertTrue(top.get(0).getDouble(1) >= top.get(1).getDouble(1) && top.get(1).getDouble(1) >= top.get(2).getDouble(1),
                    "top-k best first");
            correct += row.getString(row.fieldIndex("label")).equals(row.getString(row.fieldIndex("predicted"))) ? 1 : 0;
        }
        assertTrue(correct > 0.9 * rows.size(), "the banded digits are learned: " + correct + " of " + rows.size());
        // no record was rejected: _rejects is there all the same, empty, with the columns a reader expects
        List<String> rejectColumns = withSpark(spark -> List.of(spark.read().parquet(scores + "/_rejects").columns()));
        assertTrue(rejectColumns.containsAll(List.of("id", "label", "reason")), rejectColumns::toString);
        assertEquals(0, readParquet(scores + "/_rejects").size());

        // a second run without --overwrite fails and leaves the first output as it was
        TreeSet<String> before = listing(fs, "/scores/digits");
        CliRun again = cli("score", "--model", run + "/model.zip", "--input", dataset, "--output", scores);
        assertEquals(2, again.exitCode());
        assertEquals("averon: --output " + scores + " already exists; choose a new directory or pass --overwrite",
                again.errorLine());
        assertEquals(before, listing(fs, "/scores/digits"));
        assertEquals(2500, readParquet(scores).size());

        CliRun csv = cli("score", "--model", run + "/model.zip", "--input", dataset, "--output", scores,
                "--overwrite", "--format", "csv", "--top-k", "2");
        assertEquals(0, csv.exitCode(), csv.err());
        List<Row> lines = withSpark(spark -> spark.read().option("header", "true").option("escape", "\"").csv(scores)
                .collectAsList());
        assertEquals(2500, lines.size(), "replaced by the CSV output");
        assertTrue(lines.get(0).getString(lines.get(0).fieldIndex("top_k")).startsWith("[{\"label\":"));
        // standard CSV (RFC 4180: quotes doubled), as Python's csv, pandas and spreadsheets read it
        int parsed = 0;
        for (org.apache.hadoop.fs.FileStatus part : fs.listStatus(new org.apache.hadoop.fs.Path("/scores/digits"))) {
            if (!part.getPath().getName().startsWith("part-")) {
                continue;
            }
            try (java.io.Reader in = new java.io.InputStreamReader(fs.open(part.getPath()),
                    java.nio.charset.StandardCharsets.UTF_8);
                 org.apache.commons.csv.CSVParser csvParser = org.apache.commons.csv.CSVFormat.RFC4180.builder()
                         .setHeader().setSkipHeaderRecord(true).build().parse(in)) {
                for (org.apache.commons.csv.CSVRecord line : csvParser) {
                    assertTrue(line.isConsistent(), "line " + line.getRecordNumber() + " of " + part.getPath()
                            + " has " + line.size() + " fields");
                    com.fasterxml.jackson.databind.JsonNode topK = new com.fasterxml.jackson.databind.ObjectMapper()
                            .readTree(line.get("top_k"));
                    assertEquals(2, topK.size(), "top_k is a JSON array of 2: " + line.get("top_k"));
                    parsed++;
                }
            }
        }
        assertEquals(2500, parsed, "every row read back by an RFC 4180 parser");
        assertEquals(List.of("_SUCCESS", "_rejects"),
                fsNames(fs, "/scores/digits").stream().filter(n -> n.startsWith("_")).toList());
        assertTrue(fsNames(fs, "/scores").stream().noneMatch(n -> n.startsWith(".")),
                "no staging or replaced directory left behind: " + fsNames(fs, "/scores"));
    }

    @Test
    void shouldSendRecordsThatCannotBeScoredToRejectsWithTheirReason() throws IOException {
        java.nio.file.Path idx = TestFiles.idxDirectory(tmp.resolve("idx-small"), 300, 100);
        String dataset = root + "/datasets/small";
        assertEquals(0, cli("import", "--from", idx.toString(), "--to", dataset).exitCode());
        String run = tmp.resolve("small-run").toString();
        CliRun trained = cli("train", "--data", dataset, "--workers", "1", "--model", "logistic", "--epochs", "1",
                "--out", run, "--no-progress");
        assertEquals(0, trained.exitCode(), trained.err());

        // a hand-made Parquet input: 20 good rows, then a short one, a null and a NaN
        String input = root + "/inputs/mixed";
        int width = TestFiles.SIDE * TestFiles.SIDE;
        withSpark(spark -> {
            List<Row> rows = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                float[] x = new float[width];
                Arrays.fill(x, 10f * (i % 10));
                rows.add(RowFactory.create("r" + i, x));
            }
            rows.add(RowFactory.create("short", new float[width - 1]));
            rows.add(RowFactory.create("missing", null));
            float[] nan = new float[width];
            nan[7] = Float.NaN;
            rows.add(RowFactory.create("nan", nan));
            StructType schema = new StructType().add("key", DataTypes.StringType)
                    .add("features", DataTypes.createArrayType(DataTypes.FloatType));
            spark.createDataFrame(rows, schema).repartition(2).write().parquet(input);
            return null;
        });
        String scores = root + "/scores/mixed";
        CliRun scored = cli("score", "--model", run + "/model.zip", "--input", input, "--output", scores);
        assertEquals(0, scored.exitCode(), scored.err());
        assertTrue(scored.out().contains("scored 20 + rejected 3 = read 23"), scored.out());
        Map<String, String> reasons = new HashMap<>();
        for (Row r : readParquet(scores + "/_rejects")) {
            reasons.put(r.getString(r.fieldIndex("key")), r.getString(r.fieldIndex("reason")));
        }
        assertEquals("features have " + (width - 1) + " values; the model takes " + width + " (shape [1, 16, 16])",
                reasons.get("short"));
        assertEquals("features are null", reasons.get("missing"));
        assertEquals("features have a non-finite value (NaN) at position 7", reasons.get("nan"));
        List<Row> good = readParquet(scores);
        assertEquals(20, good.size());
        for (Row r : good) {
            assertFalse(r.getString(r.fieldIndex("key")).matches("short|missing|nan"));
            assertNull(r.schema().getFieldIndex("error").getOrElse(() -> null), "the error column is dropped");
        }
    }

    @Test
    void shouldRefuseATamperedModelOnHdfsBeforeAnySparkWork() throws IOException {
        java.nio.file.Path idx = TestFiles.idxDirectory(tmp.resolve("idx-tamper"), 100, 20);
        java.nio.file.Path runDir = tmp.resolve("tamper-run");
        CliRun trained = cli("train", "--data", idx.toString(), "--workers", "1", "--model", "logistic", "--epochs", "1",
                "--out", runDir.toString(), "--no-progress");
        assertEquals(0, trained.exitCode(), trained.err());
        byte[] bytes = Files.readAllBytes(runDir.resolve("model.zip"));
        bytes[bytes.length / 2] ^= 0x21;
        FileSystem fs = hdfs.getFileSystem();
        try (var out = fs.create(new Path("/models/tampered.zip"))) {
            out.write(bytes);
        }
        String model = root + "/models/tampered.zip";
        String scores = root + "/scores/tampered";
        CliRun run = CliRun.of("score", "--model", model, "--input", idx.toString(), "--output", scores,
                "--master", "local-cluster-is-never-started");
        assertEquals(2, run.exitCode(), run.err());
        assertTrue(run.errorLine().startsWith("averon: " + model + ": "), run.errorLine());
        assertTrue(run.errorLine().contains("SHA-256"), run.errorLine());
        assertFalse(fs.exists(new Path("/scores/tampered")), "nothing written");
    }

    @Test
    void shouldImportACsvWithItsBadRowsInRejectsOrFailOnTheFirstWithStrict() throws IOException {
        List<String> rows = new ArrayList<>(SparkEngineTest.blobRows(40));
        rows.set(4, rows.get(4).replaceFirst("^[^,]*", "abc"));
        rows.set(9, "1.0,2.0");
        java.nio.file.Path csv = SparkEngineTest.writeCsv(tmp.resolve("import.csv"), rows);
        String dataset = root + "/datasets/blobs";
        CliRun imported = cli("import", "--from", csv.toString(), "--to", dataset);
        assertEquals(0, imported.exitCode(), imported.err());
        assertTrue(imported.out().contains("imported 38 records {all=38} + rejected 2 = read 40"), imported.out());
        Map<String, String> reasons = new HashMap<>();
        for (Row r : readParquet(dataset + "/_rejects")) {
            reasons.put(r.getString(0), r.getString(1));
        }
        assertEquals(Map.of(csv + " line 6", "column 'f0': 'abc' is not a number",
                csv + " line 11", "2 columns, expected " + (SparkEngineTest.FEATURES + 1)), reasons);
        List<Row> imported38 = readParquet(dataset);
        assertEquals(38, imported38.size());
        assertEquals("array<float>", imported38.get(0).schema().apply("features").dataType().simpleString(),
                "CSV numbers stay floats");
        assertEquals(AveronDataset.FLOAT32, AveronDataset.metadata(Location.of(dataset)).featuresEncoding());

        String strict = root + "/datasets/strict";
        CliRun failed = cli("import", "--from", csv.toString(), "--to", strict, "--strict");
        assertEquals(2, failed.exitCode());
        assertEquals("averon: " + csv + " line 6, column 'f0': 'abc' is not a number", failed.errorLine());
        assertFalse(hdfs.getFileSystem().exists(new Path("/datasets/strict")), "nothing written");
        assertTrue(fsNames(hdfs.getFileSystem(), "/datasets").stream().noneMatch(n -> n.startsWith(".")),
                "no staging directory left behind: " + fsNames(hdfs.getFileSystem(), "/datasets"));
    }

    private static float[][] probabilities(ModelArtifact artifact, ArrayDataSet data) {
        ArrayDataSet x = artifact.manifest().normalizer().apply(data);
        AveronModel model = artifact.model();
        return model.output(Nd4j.create(x.features(), MinibatchFeeder.batchShape(x.exampleShape(), x.size()), 'c'))
                .toFloatMatrix();
    }

    private static float[][] concat(float[][] a, float[][] b) {
        float[][] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static int argmax(float[] p) {
        int best = 0;
        for (int i = 1; i < p.length; i++) {
            if (p[i] > p[best]) {
                best = i;
            }
        }
        return best;
    }

    private static TreeSet<String> listing(FileSystem fs, String dir) throws IOException {
        TreeSet<String> names = new TreeSet<>();
        for (FileStatus s : fs.listStatus(new Path(dir))) {
            names.add(s.getPath().getName() + ":" + s.getLen() + ":" + s.getModificationTime());
        }
        return names;
    }

    private static List<String> fsNames(FileSystem fs, String dir) throws IOException {
        return Arrays.stream(fs.listStatus(new Path(dir))).map(s -> s.getPath().getName()).sorted().toList();
    }
}
