package io.averon.driver.scoring;

import io.averon.core.artifact.Manifest;
import io.averon.core.artifact.ModelDescription;
import io.averon.core.data.Normalizer;
import io.averon.core.data.SplitSpec;
import io.averon.core.model.AveronModel;
import io.averon.core.model.ModelFactory;
import io.averon.core.model.ModelSpec;
import io.averon.core.model.UpdaterSpec;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Scoring Parquet (and ORC) files straight from Spark's columnar batches gives what scoring the same
 * records as rows gives: the same predictions, the same reasons for the records that cannot be
 * scored, and the other columns (nulls, nested values, a partition column) untouched, across
 * column batches and minibatches that do not line up.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class BatchScorerTest {

    private static final int WIDTH = 12;
    private static final List<String> CLASSES = List.of("ant", "bee", "cat");
    private static SparkSession spark;
    private static AveronModel classifierNetwork;
    private static ScoringModel classifier;
    private static AveronModel regressorNetwork;
    private static ScoringModel regressor;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[2]").appName("batch-scorer")
                .config("spark.ui.enabled", "false")
                // column batches of 7 rows, minibatches of 3: several batches per file, batches and minibatches out of step
                .config("spark.sql.parquet.columnarReaderBatchSize", "7")
                .config("spark.sql.orc.columnarReaderBatchSize", "7")
                .getOrCreate();
        classifierNetwork = ModelFactory.create(ModelSpec.parse("mlp"), new int[] {WIDTH}, CLASSES.size(),
                UpdaterSpec.adam(0.01), 7);
        classifier = scoring(classifierNetwork, CLASSES);
        regressorNetwork = ModelFactory.create(ModelSpec.parse("linear"), new int[] {WIDTH}, 1, UpdaterSpec.adam(0.01), 7);
        regressor = scoring(regressorNetwork, List.of());
    }

    private static ScoringModel scoring(AveronModel network, List<String> classes) {
        return ScoringModel.of(network, new ModelDescription(classes, new int[] {WIDTH}, Normalizer.none(),
                SplitSpec.provided(), Map.of("model", "test"), 7, new Manifest.DataProvenance("generated", "0", 1, 1)));
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    void shouldScoreBinaryFeaturesFromColumnsAsFromRows() {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 70; i++) {
            byte[] pixels = new byte[i == 33 ? WIDTH - 1 : WIDTH];
            for (int j = 0; j < pixels.length; j++) {
                pixels[j] = (byte) (i * 7 + j * 13);
            }
            rows.add(record(i, i == 21 ? null : pixels));
        }
        for (String format : List.of("parquet", "orc")) {
            List<Row> scored = compareColumnsWithRows(classifier, rows, DataTypes.BinaryType, format);
            assertEquals("features are null", errorOf(scored, 21));
            assertEquals("features have 11 bytes; the model takes 12 values (shape [12])", errorOf(scored, 33));
            assertPredictions(scored, 68, id -> {
                float[] x = new float[WIDTH];
                for (int j = 0; j < WIDTH; j++) {
                    x[j] = (id * 7 + j * 13) & 0xFF;
                }
                return x;
            });
        }
    }

    @Test
    void shouldScoreArraysOfDoublesFromColumnsAsFromRows() {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            double[] x = new double[WIDTH];
            for (int j = 0; j < WIDTH; j++) {
                x[j] = Math.sin(i + j * 0.5);
            }
            if (i == 17) {
                x[4] = Double.NaN;
            }
            rows.add(record(i, i == 40 ? null : x));
        }
        java.util.function.IntFunction<float[]> features = id -> {
            float[] x = new float[WIDTH];
            for (int j = 0; j < WIDTH; j++) {
                x[j] = (float) Math.sin(id + j * 0.5);
            }
            return x;
        };
        DataType doubles = DataTypes.createArrayType(DataTypes.DoubleType);
        List<Row> scored = compareColumnsWithRows(classifier, rows, doubles, "parquet");
        assertEquals("features have a non-finite value (NaN) at position 4", errorOf(scored, 17));
        assertEquals("features are null", errorOf(scored, 40));
        assertPredictions(scored, 48, features);

        List<Row> values = compareColumnsWithRows(regressor, rows, doubles, "parquet");
        assertEquals("features are null", values.get(40).getString(values.get(40).fieldIndex("error")));
        int checked = 0;
        for (Row row : values) {
            if (row.isNullAt(row.fieldIndex("error"))) {
                float[] out = regressorNetwork.output(Nd4j.create(features.apply((int) row.getLong(0)),
                        new long[] {1, WIDTH}, 'c')).toFloatVector();
                assertEquals(out[0], row.getDouble(row.fieldIndex("value")), 1e-5);
                checked++;
            }
        }
        assertEquals(48, checked);
    }

    @Test
    void shouldScoreOnlyPlainScansFromTheirColumnBatches() {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            rows.add(record(i, new byte[WIDTH]));
        }
        String dir = tmp.resolve("plain").toString();
        spark.createDataFrame(rows, schema(DataTypes.BinaryType)).write().parquet(dir);
        Dataset<Row> files = spark.read().parquet(dir);
        assertNotNull(BatchScorer.columnarScan(files, "features"));
        assertNull(BatchScorer.columnarScan(files.filter("id > 3"), "features"), "a filter runs on rows");
        assertNull(BatchScorer.columnarScan(files.select("features", "id"), "features"), "so does a projection");
        spark.conf().set("spark.sql.codegen.wholeStage", "false");
        try {
            Dataset<Row> uncompiled = spark.read().parquet(dir);
            assertNull(BatchScorer.columnarScan(uncompiled, "features"),
                    "without whole-stage code generation Spark reads Parquet as rows (no vectorized batches)");
            assertEquals(10, BatchScorer.score(classifier, uncompiled).filter("error is null").count());
        } finally {
            spark.conf().unset("spark.sql.codegen.wholeStage");
        }
    }

    /** A record with columns the scorer must pass through: a nullable string, a nested array, a partition column. */
    private static Row record(int id, Object features) {
        return RowFactory.create((long) id, id % 5 == 0 ? null : "name-" + id, List.of("t" + id, "u").toArray(),
                features, id % 3 == 0 ? "test" : "train");
    }

    private static StructType schema(DataType featureType) {
        return new StructType().add("id", DataTypes.LongType).add("name", DataTypes.StringType)
                .add("tags", DataTypes.createArrayType(DataTypes.StringType)).add("features", featureType)
                .add("split", DataTypes.StringType);
    }

    /**
     * Writes {@code rows} as files of {@code format}, one per split, scores the files (from their
     * column batches, several per file) and the same records held in memory (as rows), and returns
     * the scores, which must be the same, by id.
     */
    private List<Row> compareColumnsWithRows(ScoringModel model, List<Row> rows, DataType featureType, String format) {
        String dir = tmp.resolve("data-" + format + "-" + featureType.typeName()).toString();
        if (!new java.io.File(dir).exists()) {
            spark.createDataFrame(rows, schema(featureType)).coalesce(1).write().partitionBy("split").format(format)
                    .save(dir);
        }
        Dataset<Row> files = spark.read().format(format).load(dir);
        Dataset<Row> inMemory = spark.createDataFrame(files.collectAsList(), files.schema());
        assertNotNull(BatchScorer.columnarScan(files, "features"), "the files are scored from their column batches");
        assertTrue(BatchScorer.columnarScan(files, "features").count() > 2, "several column batches per file");
        assertNull(BatchScorer.columnarScan(inMemory, "features"), "rows in memory are scored as rows");

        BatchScorer.Options options = new BatchScorer.Options("features", 2, 3);
        Dataset<Row> fromFiles = BatchScorer.score(model, files, options);
        assertEquals(model.regression() ? List.of("id", "name", "tags", "split", "value", "error")
                        : List.of("id", "name", "tags", "split", "predicted", "probability", "top_k", "error"),
                List.of(fromFiles.schema().fieldNames()));
        List<Row> fromColumns = sorted(fromFiles.collectAsList());
        List<Row> fromRows = sorted(BatchScorer.score(model, inMemory, options).collectAsList());
        assertEquals(rows.size(), fromColumns.size());
        for (int i = 0; i < fromRows.size(); i++) {
            assertSameScores(fromRows.get(i), fromColumns.get(i));
        }
        return fromColumns;
    }

    /** The same values; the model's outputs (doubles) to float rounding, as minibatches differ between the paths. */
    private static void assertSameScores(Row expected, Row actual) {
        assertEquals(expected.length(), actual.length());
        for (int f = 0; f < expected.length(); f++) {
            Object e = expected.get(f);
            Object a = actual.get(f);
            if (e instanceof Double d) { // probability, value
                assertEquals(d, (Double) a, 1e-6, "column " + f + " of " + actual);
            } else if (expected.schema().fields()[f].name().equals("top_k") && e != null) {
                List<Row> top = expected.getList(f);
                List<Row> got = actual.getList(f);
                assertEquals(top.size(), got.size());
                for (int t = 0; t < top.size(); t++) {
                    assertEquals(top.get(t).getString(0), got.get(t).getString(0));
                    assertEquals(top.get(t).getDouble(1), got.get(t).getDouble(1), 1e-6);
                }
            } else {
                assertEquals(String.valueOf(e), String.valueOf(a), "column " + f + " of " + actual);
            }
        }
    }

    private static List<Row> sorted(List<Row> rows) {
        return rows.stream().sorted(Comparator.comparingLong(r -> r.getLong(0))).toList();
    }

    private static String errorOf(List<Row> scored, int id) {
        Row row = scored.get(id);
        assertEquals(id, row.getLong(0));
        assertNull(row.get(row.fieldIndex("predicted")), "no prediction for a record that cannot be scored");
        return row.getString(row.fieldIndex("error"));
    }

    /** Every scored row's prediction, probability and top 2 are the model's own output for its features. */
    private static void assertPredictions(List<Row> scored, int expected, java.util.function.IntFunction<float[]> features) {
        int checked = 0;
        for (Row row : scored) {
            if (!row.isNullAt(row.fieldIndex("error"))) {
                continue;
            }
            float[] out = classifierNetwork.output(Nd4j.create(features.apply((int) row.getLong(0)),
                    new long[] {1, WIDTH}, 'c')).toFloatVector();
            Integer[] order = {0, 1, 2};
            java.util.Arrays.sort(order, (x, y) -> Float.compare(out[y], out[x]));
            assertEquals(CLASSES.get(order[0]), row.getString(row.fieldIndex("predicted")));
            assertEquals(out[order[0]], row.getDouble(row.fieldIndex("probability")), 1e-6);
            List<Row> top = row.getList(row.fieldIndex("top_k"));
            assertEquals(List.of(CLASSES.get(order[0]), CLASSES.get(order[1])), top.stream().map(r -> r.getString(0))
                    .toList());
            assertEquals(out[order[1]], top.get(1).getDouble(1), 1e-6);
            checked++;
        }
        assertEquals(expected, checked, "records scored");
    }
}
