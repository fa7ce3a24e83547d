package io.averon.driver.scoring;

import io.averon.driver.data.AveronDataset;
import io.averon.driver.data.FeatureColumn;
import io.averon.core.InvalidInputException;
import io.averon.core.artifact.Manifest;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.catalyst.CatalystTypeConverters;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

/**
 * Scores a Spark {@link Dataset} of rows with a trained model, in the executors: the model's
 * bytes are broadcast once, loaded lazily and kept per executor JVM (one copy per concurrently
 * running task), and each partition is scored in minibatches with the model's own normalisation.
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
        DataType[] keptTypes = kept.stream().map(i -> in.fields()[i].dataType()).toArray(DataType[]::new);
        Partition task = new Partition(ShippedModel.broadcast(rows.sparkSession(), model), model.regression(),
                new ArrayList<>(m.classNames()), features, pixelBytes, kept.stream().mapToInt(Integer::intValue).toArray(),
                keptTypes, Math.min(options.topK(), Math.max(1, m.classNames().size())), options.batchSize());
        // Spark's internal rows: the features come out as one float[] copy per record, not as a
        // list of boxed numbers (what converting to Row costs; most of the time for small models)
        Dataset<Row> floats = pixelBytes ? rows : rows.withColumn(options.featuresColumn(),
                functions.col(options.featuresColumn()).cast(DataTypes.createArrayType(DataTypes.FloatType, true)));
        JavaRDD<Row> scored = floats.queryExecution().toRdd().toJavaRDD().mapPartitions(task::call);
        return rows.sparkSession().createDataFrame(scored, out);
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

    /** Scores one partition, a minibatch at a time ({@link MinibatchScoring}), rows out in the order they came in. */
    private record Partition(ShippedModel model, boolean regression, ArrayList<String> classNames, int features,
                             boolean pixelBytes, int[] kept, DataType[] keptTypes, int topK, int batchSize)
            implements java.io.Serializable {

        Iterator<Row> call(Iterator<InternalRow> input) {
            List<scala.Function1<Object, Object>> converters = Arrays.stream(keptTypes)
                    .map(CatalystTypeConverters::createToScalaConverter).toList();
            return MinibatchScoring.score(model, batchSize, input, new MinibatchScoring.Records<InternalRow, Object[], Row>() {
                @Override
                public Object[] keep(InternalRow row) { // reused by Spark: everything needed is copied out now
                    Object[] values = new Object[kept.length];
                    for (int i = 0; i < kept.length; i++) {
                        values[i] = row.isNullAt(kept[i]) ? null
                                : converters.get(i).apply(row.get(kept[i], keptTypes[i]));
                    }
                    return values;
                }

                @Override
                public String read(InternalRow row, FeatureBatch batch) {
                    if (row.isNullAt(features)) {
                        return batch.addNull();
                    }
                    return pixelBytes ? batch.add(row.getBinary(features)) : batch.add(row.getArray(features));
                }

                @Override
                public Row output(Object[] keptValues, String error, float[] scores) {
                    return Partition.this.output(keptValues, error, scores);
                }
            });
        }

        private Row output(Object[] keptValues, String error, float[] scores) {
            int extra = regression ? 2 : 4;
            Object[] values = Arrays.copyOf(keptValues, kept.length + extra);
            int at = kept.length;
            if (scores != null && regression) {
                values[at] = (double) scores[0];
            } else if (scores != null) {
                Integer[] order = new Integer[scores.length];
                for (int c = 0; c < order.length; c++) {
                    order[c] = c;
                }
                Arrays.sort(order, (a, b) -> Float.compare(scores[b], scores[a]));
                Row[] top = new Row[topK];
                for (int t = 0; t < topK; t++) {
                    top[t] = RowFactory.create(classNames.get(order[t]), (double) scores[order[t]]);
                }
                values[at] = classNames.get(order[0]);
                values[at + 1] = (double) scores[order[0]];
                values[at + 2] = scala.collection.JavaConverters.asScalaBuffer(Arrays.asList(top)).toSeq();
            }
            values[values.length - 1] = error;
            return RowFactory.create(values);
        }
    }
}
