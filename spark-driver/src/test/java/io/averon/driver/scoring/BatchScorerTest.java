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
    private static ScoringModel model;
    private static AveronModel network;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[2]").appName("batch-scorer")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.parquet.columnarReaderBatchSize", "16") // batches of 16 rows, minibatches of 5
                .getOrCreate();
        network = ModelFactory.create(ModelSpec.parse("mlp"), new int[] {WIDTH}, CLASSES.size(),
                UpdaterSpec.adam(0.01), 7);
        model = ScoringModel.of(network, new ModelDescription(CLASSES, new int[] {WIDTH}, Normalizer.none(),
                SplitSpec.provided(), Map.of("model", "mlp"), 7, new Manifest.DataProvenance("generated", "0", 1, 1)));
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
        List<Row> scored = compareColumnsWithRows(rows, DataTypes.BinaryType, "parquet");
        assertEquals(scored.toString(), compareColumnsWithRows(rows, DataTypes.BinaryType, "orc").toString(),
                "ORC files are scored from their column batches too, to the same rows");
        assertEquals("features are null", errorOf(scored, 21));
        assertEquals("features have 11 bytes; the model takes 12 values (shape [12])", errorOf(scored, 33));
        float[] first = new float[WIDTH];
        for (int j = 0; j < WIDTH; j++) {
            first[j] = (j * 13) & 0xFF;
        }
        assertPredicts(first, scored.get(0));
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
        List<Row> scored = compareColumnsWithRows(rows, DataTypes.createArrayType(DataTypes.DoubleType),
                "parquet");
        assertEquals("features have a non-finite value (NaN) at position 4", errorOf(scored, 17));
        assertEquals("features are null", errorOf(scored, 40));
        float[] first = new float[WIDTH];
        for (int j = 0; j < WIDTH; j++) {
            first[j] = (float) Math.sin(j * 0.5);
        }
        assertPredicts(first, scored.get(0));
    }

    /** A record with columns the scorer must pass through: a nullable string, a nested array, a partition column. */
    private static Row record(int id, Object features) {
        return RowFactory.create((long) id, id % 5 == 0 ? null : "name-" + id, List.of("t" + id, "u").toArray(),
                features, id % 3 == 0 ? "test" : "train");
    }

    /**
     * Writes {@code rows} as files of {@code format} partitioned by split, scores the files (columnar) and the same
     * records held in memory (rows), and returns the scores, which must be the same, by id.
     */
    private List<Row> compareColumnsWithRows(List<Row> rows, DataType featureType, String format) {
        StructType schema = new StructType().add("id", DataTypes.LongType).add("name", DataTypes.StringType)
                .add("tags", DataTypes.createArrayType(DataTypes.StringType)).add("features", featureType)
                .add("split", DataTypes.StringType);
        String dir = tmp.resolve("data-" + format).toString();
        spark.createDataFrame(rows, schema).repartition(3).write().partitionBy("split").format(format).save(dir);
        Dataset<Row> files = spark.read().format(format).load(dir);
        Dataset<Row> inMemory = spark.createDataFrame(files.collectAsList(), files.schema());
        assertNotNull(BatchScorer.columnarScan(files, "features"), "the files are scored from their column batches");
        assertNull(BatchScorer.columnarScan(inMemory, "features"), "rows in memory are scored as rows");

        BatchScorer.Options options = new BatchScorer.Options("features", 2, 5);
        List<Row> fromColumns = sorted(BatchScorer.score(model, files, options).collectAsList());
        List<Row> fromRows = sorted(BatchScorer.score(model, inMemory, options).collectAsList());
        assertEquals(rows.size(), fromColumns.size());
        assertEquals(List.of("id", "name", "tags", "split", "predicted", "probability", "top_k", "error"),
                List.of(BatchScorer.score(model, files, options).schema().fieldNames()));
        assertEquals(fromRows.toString(), fromColumns.toString());
        return fromColumns;
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

    /** The row's prediction is the model's own output for {@code features}. */
    private static void assertPredicts(float[] features, Row row) {
        float[] out = network.output(Nd4j.create(features, new long[] {1, WIDTH}, 'c')).toFloatVector();
        int best = 0;
        for (int c = 1; c < out.length; c++) {
            best = out[c] > out[best] ? c : best;
        }
        assertEquals(CLASSES.get(best), row.getString(row.fieldIndex("predicted")));
        assertEquals(out[best], row.getDouble(row.fieldIndex("probability")), 1e-6);
        assertNull(row.get(row.fieldIndex("error")));
        assertEquals(2, row.getList(row.fieldIndex("top_k")).size());
    }
}
