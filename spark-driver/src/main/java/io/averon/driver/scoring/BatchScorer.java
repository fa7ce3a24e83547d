package io.averon.driver.scoring;

import io.averon.driver.data.AveronDataset;
import io.averon.driver.data.FeatureColumn;
import io.averon.core.InvalidInputException;
import io.averon.core.artifact.Manifest;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.JoinedRow;
import org.apache.spark.sql.execution.ColumnarToRowExec;
import org.apache.spark.sql.execution.InputAdapter;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.WholeStageCodegenExec;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.vectorized.ColumnarBatch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

/**
 * Scores a Spark {@link Dataset} of rows with a trained model, in the executors: the model's
 * bytes are broadcast once, loaded lazily and kept per executor JVM (one copy per concurrently
 * running task), and each partition is scored in minibatches with the model's own normalisation.
 * A scan of Parquet or ORC files is scored from its columnar batches ({@link #columnarScan}), anything
 * else from Spark's internal rows; either way the output rows are built as internal rows (no
 * {@code Row} objects) and the columns other than the features pass through as they are.
 *
 * <p>The result has the input's columns except the features, then for a classifier
 * {@value #PREDICTED} (class name), {@value #PROBABILITY} (its probability) and {@value #TOP_K}
 * (array of {label, probability}, best first), for a regression model {@value #VALUE}; and
 * {@value #ERROR}: null, or why the row could not be scored (then the prediction columns are null).
 *
 * <pre>{@code
 * Dataset<Row> scored = BatchScorer.score(ScoringModel.read("hdfs://nn/models/model.zip"), spark.read().parquet(uri));
 * scored.filter("error is null").groupBy("predicted").count().show();
 * }</pre>
 */
public final class BatchScorer {

    public static final String PREDICTED = "predicted";
    public static final String PROBABILITY = "probability";
    public static final String TOP_K = "top_k";
    public static final String VALUE = "value";
    public static final String ERROR = "error";
    public static final int DEFAULT_TOP_K = 3;
    public static final int DEFAULT_BATCH_SIZE = 256;

    /**
     * How to score.
     *
     * @param featuresColumn the column with the features (an array of numbers or binary with a byte 0-255 per value, the model's input flattened)
     * @param topK           how many classes {@value #TOP_K} lists (capped at the class count)
     * @param batchSize      rows per forward pass
     */
    public record Options(String featuresColumn, int topK, int batchSize) implements java.io.Serializable {
        public Options {
            if (topK < 1) {
                throw new InvalidInputException("--top-k must be >= 1, got " + topK);
            }
            if (batchSize < 1) {
                throw new InvalidInputException("--batch-size must be >= 1, got " + batchSize);
            }
        }

        public static Options defaults() {
            return new Options(AveronDataset.FEATURES, DEFAULT_TOP_K, DEFAULT_BATCH_SIZE);
        }
    }

    private BatchScorer() {
    }

    /** {@link #score(ScoringModel, Dataset, Options)} with {@link Options#defaults()}. */
    public static Dataset<Row> score(ScoringModel model, Dataset<Row> rows) {
        return score(model, rows, Options.defaults());
    }

    /**
     * The rows with prediction columns (lazily: nothing runs until an action). The input's schema
     * is checked here, before any Spark job.
     */
    public static Dataset<Row> score(ScoringModel model, Dataset<Row> rows, Options options) {
        return score(model, rows, options, null);
    }

    /**
     * {@link #score(ScoringModel, Dataset, Options)}, counting the records scored and rejected in
     * {@code counts} (null: not counted) each time the rows are computed.
     */
    public static Dataset<Row> score(ScoringModel model, Dataset<Row> rows, Options options, ScoringCounts counts) {
        StructType in = rows.schema();
        if (in.getFieldIndex(options.featuresColumn()).isEmpty()) {
            throw new InvalidInputException("the input has no column '" + options.featuresColumn() + "'; columns: "
                    + Arrays.toString(in.fieldNames()));
        }
        int features = in.fieldIndex(options.featuresColumn());
        DataType type = in.fields()[features].dataType();
        FeatureColumn.check(type, "input column '" + options.featuresColumn() + "'");
        boolean pixelBytes = FeatureColumn.isBytes(type);
        StructType out = new StructType();
        List<Integer> kept = new ArrayList<>();
        for (int i = 0; i < in.fields().length; i++) {
            if (i != features) {
                out = out.add(in.fields()[i]);
                kept.add(i);
            }
        }
        for (StructField f : predictionFields(model.regression())) {
            if (out.getFieldIndex(f.name()).isDefined()) {
                throw new InvalidInputException("the input already has a column '" + f.name() + "'; rename or drop it");
            }
            out = out.add(f);
        }
        Manifest m = model.manifest();
        int[] keptColumns = kept.stream().mapToInt(Integer::intValue).toArray();
        Tasks tasks = new Tasks(ShippedModel.broadcast(rows.sparkSession(), model), model.regression(),
                new ArrayList<>(m.classNames()), features, pixelBytes, keptColumns,
                Arrays.stream(keptColumns).mapToObj(i -> in.fields()[i].dataType()).toArray(DataType[]::new),
                Math.min(options.topK(), Math.max(1, m.classNames().size())), options.batchSize(), counts);
        RDD<ColumnarBatch> batches = columnarScan(rows, options.featuresColumn());
        RDD<InternalRow> scored;
        if (batches != null) {
            scored = batches.toJavaRDD().mapPartitions(tasks::scoreColumns).rdd();
        } else {
            // Spark's internal rows: the features come out as one float[] copy per record, not as a
            // list of boxed numbers (what converting to Row costs; most of the time for small models)
            Dataset<Row> floats = pixelBytes ? rows : rows.withColumn(options.featuresColumn(),
                    functions.col(options.featuresColumn()).cast(DataTypes.createArrayType(DataTypes.FloatType, true)));
            scored = floats.queryExecution().toRdd().toJavaRDD().mapPartitions(tasks::scoreRows).rdd();
        }
        return InternalRows.dataFrame(rows.sparkSession(), scored, out);
    }

    /**
     * The columnar batches {@code rows} are read as, when {@code rows} is a scan of a columnar
     * source (Parquet, ORC: the data sets {@code averon import} writes) whose features Averon reads
     * from column vectors; else null (rows are then scored from Spark's internal rows). Scoring
     * straight from the batches leaves out Spark's conversion of every record to a row.
     */
    static RDD<ColumnarBatch> columnarScan(Dataset<Row> rows, String featuresColumn) {
        DataType type = rows.schema().apply(featuresColumn).dataType();
        boolean readable = FeatureColumn.isBytes(type)
                || type instanceof ArrayType array && FeatureBatch.readsArraysOf(array.elementType());
        if (!readable) {
            return null;
        }
        SparkPlan plan = rows.queryExecution().executedPlan();
        if (plan instanceof WholeStageCodegenExec stage) {
            plan = stage.child();
        }
        if (!(plan instanceof ColumnarToRowExec transition)) {
            return null;
        }
        SparkPlan scan = transition.child() instanceof InputAdapter adapter ? adapter.child() : transition.child();
        // the batches' columns must be the rows' columns, in order (they are for a plain scan)
        boolean sameColumns = Arrays.equals(scan.schema().fieldNames(), rows.schema().fieldNames());
        return scan.supportsColumnar() && sameColumns ? scan.executeColumnar() : null;
    }

    /** The columns scoring adds. */
    static List<StructField> predictionFields(boolean regression) {
        List<StructField> fields = new ArrayList<>();
        if (regression) {
            fields.add(DataTypes.createStructField(VALUE, DataTypes.DoubleType, true));
        } else {
            fields.add(DataTypes.createStructField(PREDICTED, DataTypes.StringType, true));
            fields.add(DataTypes.createStructField(PROBABILITY, DataTypes.DoubleType, true));
            fields.add(DataTypes.createStructField(TOP_K, DataTypes.createArrayType(new StructType()
                    .add("label", DataTypes.StringType, false).add(PROBABILITY, DataTypes.DoubleType, false), false),
                    true));
        }
        fields.add(DataTypes.createStructField(ERROR, DataTypes.StringType, true));
        return fields;
    }

    /**
     * Scores partitions in the executors: of columnar batches ({@link #scoreColumns}) or of rows
     * ({@link #scoreRows}), a minibatch at a time, rows out in the order they came in, each the
     * input's columns but the features followed by the {@link PredictionValues}.
     */
    private record Tasks(ShippedModel model, boolean regression, ArrayList<String> classNames, int features,
                         boolean pixelBytes, int[] kept, DataType[] keptTypes, int topK, int batchSize,
                         ScoringCounts counts) implements java.io.Serializable {

        Iterator<InternalRow> scoreRows(Iterator<InternalRow> input) {
            PredictionValues predictions = predictions();
            return MinibatchScoring.score(model, batchSize, input, new MinibatchScoring.Records<InternalRow, InternalRow,
                    InternalRow>() {
                @Override
                public InternalRow keep(InternalRow row) { // reused by Spark: everything kept is copied out now
                    Object[] values = new Object[kept.length];
                    for (int i = 0; i < kept.length; i++) {
                        values[i] = row.isNullAt(kept[i]) ? null : InternalRow.copyValue(row.get(kept[i], keptTypes[i]));
                    }
                    return new GenericInternalRow(values);
                }

                @Override
                public String read(InternalRow row, FeatureBatch batch) {
                    if (row.isNullAt(features)) {
                        return batch.addNull();
                    }
                    return pixelBytes ? batch.add(row.getBinary(features))
                            : batch.add(row.getArray(features));
                }

                @Override
                public InternalRow output(InternalRow keptValues, String error, float[] scores) {
                    return new JoinedRow(keptValues, predictions.of(error, scores));
                }
            });
        }

        Iterator<InternalRow> scoreColumns(Iterator<ColumnarBatch> input) {
            return new ColumnarScoring(model, batchSize, features, kept, predictions()).score(input);
        }

        private PredictionValues predictions() {
            return new PredictionValues(regression, classNames, topK, counts);
        }
    }
}
