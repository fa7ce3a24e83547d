package io.averon.driver.ml;

import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryProgress;
import org.apache.spark.sql.streaming.Trigger;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A fitted Averon model scoring a Structured Streaming query: a Parquet file source, the model's
 * {@code transform}, a Parquet sink with a checkpoint. The query is interrupted the way a crashed
 * driver leaves it (a batch planned and written, its commit missing), restarted on the same
 * checkpoint with more input, and must have written every input row exactly once, scored as a batch
 * {@code transform} scores it, with the same per-row errors.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class StreamingScoringTest {

    private static final int FILES = 5;
    private static final int ROWS_PER_FILE = 40;
    private static final int WIDTH = 4;
    /** The row whose features are one value short: scored as an error, not dropped. */
    private static final long BAD_ID = 57;

    @TempDir
    static Path tmp;
    static SparkSession spark;
    static AveronClassificationModel model;

    @BeforeAll
    static void fit() {
        spark = MlData.spark("streaming-scoring");
        List<Row> rows = new ArrayList<>();
        Random random = new Random(3);
        for (int i = 0; i < 300; i++) {
            int k = random.nextInt(2);
            rows.add(RowFactory.create(features(random, k), (double) k));
        }
        Dataset<Row> train = spark.createDataFrame(rows, new StructType()
                .add("features", DataTypes.createArrayType(DataTypes.DoubleType, false))
                .add("label", DataTypes.DoubleType));
        model = new AveronClassifier().setModel("logistic").setEpochs(2).setWorkers(1).setSeed(5).fit(train);
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
    }

    private static double[] features(Random random, int k) {
        double[] x = new double[WIDTH];
        for (int f = 0; f < WIDTH; f++) {
            x[f] = random.nextGaussian() + (f == k ? 2.5 : 0);
        }
        return x;
    }

    private static final StructType INPUT = new StructType().add("id", DataTypes.LongType, false)
            .add("features", DataTypes.createArrayType(DataTypes.DoubleType, false));

    /** Input file {@code index} (ids index*ROWS_PER_FILE ...), written whole before the stream can see it. */
    private static void writeInputFile(Path in, int index) {
        Random random = new Random(100 + index);
        List<Row> rows = new ArrayList<>();
        for (long id = (long) index * ROWS_PER_FILE; id < (long) (index + 1) * ROWS_PER_FILE; id++) {
            double[] x = features(random, random.nextInt(2));
            rows.add(RowFactory.create(id, id == BAD_ID ? Arrays.copyOf(x, WIDTH - 1) : x));
        }
        // written aside, then moved in: a file source must only see complete files
        Path staging = tmp.resolve("staging-" + index);
        spark.createDataFrame(rows, INPUT).coalesce(1).write().mode(SaveMode.ErrorIfExists).parquet(staging.toString());
        try (Stream<Path> files = Files.list(staging)) {
            Path part = files.filter(p -> p.getFileName().toString().endsWith(".parquet")).findFirst().orElseThrow();
            Files.move(part, in.resolve("input-" + index + ".parquet"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static StreamingQuery start(Path in, Path out, Path checkpoint) throws Exception {
        Dataset<Row> stream = spark.readStream().schema(INPUT).option("maxFilesPerTrigger", 1).parquet(in.toString());
        return model.transform(stream).writeStream().format("parquet").option("path", out.toString())
                .option("checkpointLocation", checkpoint.toString()).trigger(Trigger.AvailableNow()).start();
    }

    @Test
    void shouldWriteEveryInputRowExactlyOnceWhenTheQueryRestartsAfterACrashBeforeItsCommit() throws Exception {
        Path in = Files.createDirectories(tmp.resolve("in"));
        Path out = tmp.resolve("out");
        Path checkpoint = tmp.resolve("checkpoint");
        for (int f = 0; f < 3; f++) {
            writeInputFile(in, f);
        }
        StreamingQuery first = start(in, out, checkpoint);
        assertTrue(first.awaitTermination(120_000), "the first run ends once its input is read");
        assertNull(first.exception().getOrElse(() -> null), "the first run failed");
        assertEquals(3, first.recentProgress().length, "one batch per file (maxFilesPerTrigger 1)");
        assertEquals(3 * ROWS_PER_FILE, spark.read().parquet(out.toString()).count());

        // the crash: batch 2 was planned (offsets/2) and its output written, but the driver died before
        // writing commits/2; a restart must run batch 2 again without writing its rows twice
        Path lastCommit = checkpoint.resolve("commits").resolve("2");
        assertTrue(Files.isRegularFile(checkpoint.resolve("offsets").resolve("2")), "batch 2 was planned");
        Files.delete(lastCommit);
        Files.deleteIfExists(lastCommit.resolveSibling(".2.crc")); // the local file system's checksum beside it
        for (int f = 3; f < FILES; f++) {
            writeInputFile(in, f);
        }
        StreamingQuery second = start(in, out, checkpoint);
        assertTrue(second.awaitTermination(120_000), "the restarted run ends once its input is read");
        assertNull(second.exception().getOrElse(() -> null), "the restarted run failed");
        List<Long> batches = Arrays.stream(second.recentProgress()).map(StreamingQueryProgress::batchId).toList();
        assertEquals(List.of(2L, 3L, 4L), batches, "the restart ran batch 2 again (its commit was lost), then the new files");
        assertTrue(Files.isRegularFile(lastCommit), "batch 2 is committed now");

        Dataset<Row> written = spark.read().parquet(out.toString());
        List<Long> ids = written.select("id").as(org.apache.spark.sql.Encoders.LONG()).collectAsList().stream().sorted().toList();
        assertEquals(LongStream.range(0, (long) FILES * ROWS_PER_FILE).boxed().toList(), ids,
                "every input row written exactly once across the restart");

        // as a batch transform of the same rows scores them, row by row, with the same rejects
        Map<Long, Row> streamed = byId(written);
        Map<Long, Row> batch = byId(model.transform(spark.read().schema(INPUT).parquet(in.toString())));
        assertEquals(batch.keySet(), streamed.keySet());
        for (Map.Entry<Long, Row> e : batch.entrySet()) {
            Row b = e.getValue();
            Row s = streamed.get(e.getKey());
            assertEquals(b.<String>getAs("error"), s.<String>getAs("error"), "row " + e.getKey());
            assertEquals((Double) b.getAs("prediction"), (Double) s.getAs("prediction"), "row " + e.getKey());
            if (b.getAs("probability") != null) {
                assertArrayEquals(((Vector) b.getAs("probability")).toArray(), ((Vector) s.getAs("probability")).toArray(),
                        0.0, "row " + e.getKey());
            }
        }
        Row bad = streamed.get(BAD_ID);
        assertNotNull(bad.getAs("error"), "the short row says why it was not scored");
        assertTrue(bad.<String>getAs("error").contains("3 values"), bad.<String>getAs("error"));
        assertNull(bad.getAs("prediction"));
        assertFalse(streamed.values().stream().filter(r -> !r.<Long>getAs("id").equals(BAD_ID))
                .anyMatch(r -> r.getAs("prediction") == null), "every other row is scored");
    }

    private static Map<Long, Row> byId(Dataset<Row> rows) {
        return rows.collectAsList().stream().collect(Collectors.toMap(r -> r.<Long>getAs("id"), r -> r, (a, b) -> {
            throw new AssertionError("id " + a.getAs("id") + " twice");
        }, TreeMap::new));
    }
}
