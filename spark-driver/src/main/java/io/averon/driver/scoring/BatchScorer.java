package io.averon.driver.scoring;

import io.averon.driver.data.AveronDataset;
import io.averon.driver.data.FeatureColumn;
import io.averon.driver.spark.ExecutorRuntime;
import io.averon.core.InvalidInputException;
import io.averon.core.artifact.Manifest;
import io.averon.core.artifact.ModelArtifact;
import io.averon.core.data.Normalizer;
import io.averon.core.model.AveronModel;
import io.averon.core.runtime.NativeSettings;
import io.averon.core.train.MinibatchFeeder;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.catalyst.CatalystTypeConverters;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.ByteArrayInputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

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

    /** Loaded models per executor JVM, by model file content: a task borrows one and gives it back. */
    private static final Map<String, Queue<AveronModel>> MODELS = new ConcurrentHashMap<>();

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
        Broadcast<byte[]> bytes = JavaSparkContext.fromSparkContext(rows.sparkSession().sparkContext())
                .broadcast(model.bytes());
        Manifest m = model.manifest();
        DataType[] keptTypes = kept.stream().map(i -> in.fields()[i].dataType()).toArray(DataType[]::new);
        Partition task = new Partition(bytes, model.name(), String.join(",", new java.util.TreeMap<>(m.entries()).values()), model.convolutional(), model.regression(),
                new ArrayList<>(m.classNames()), m.inputShape(), m.normalizer(), features, pixelBytes,
                kept.stream().mapToInt(Integer::intValue).toArray(), keptTypes, Math.min(options.topK(),
                Math.max(1, m.classNames().size())), options.batchSize());
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

    /** Scores one partition, a minibatch at a time, rows out in the order they came in. */
    private record Partition(Broadcast<byte[]> bytes, String name, String key, boolean convolutional,
                             boolean regression, ArrayList<String> classNames, int[] shape, Normalizer normalizer,
                             int features, boolean pixelBytes, int[] kept, DataType[] keptTypes, int topK, int batchSize)
            implements java.io.Serializable {

        Iterator<Row> call(Iterator<InternalRow> input) {
            TaskContext task = TaskContext.get();
            ExecutorRuntime.configure(new NativeSettings(task != null ? Math.max(1, task.cpus()) : 1, convolutional));
            List<scala.Function1<Object, Object>> converters = Arrays.stream(keptTypes)
                    .map(CatalystTypeConverters::createToScalaConverter).toList();
            int width = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
            float[] x = new float[batchSize * width]; // one minibatch buffer per partition, reused
            return new Iterator<>() {
                private final ArrayDeque<Row> ready = new ArrayDeque<>();

                @Override
                public boolean hasNext() {
                    if (ready.isEmpty() && input.hasNext()) {
                        scoreNextBatch(input, converters, width, x, ready);
                    }
                    return !ready.isEmpty();
                }

                @Override
                public Row next() {
                    if (!hasNext()) {
                        throw new NoSuchElementException();
                    }
                    return ready.poll();
                }
            };
        }

        private void scoreNextBatch(Iterator<InternalRow> input, List<scala.Function1<Object, Object>> converters,
                                    int width, float[] x, ArrayDeque<Row> ready) {
            List<Object[]> keptValues = new ArrayList<>(batchSize);
            List<String> errors = new ArrayList<>(batchSize);
            int good = 0;
            while (keptValues.size() < batchSize && input.hasNext()) {
                InternalRow row = input.next(); // reused by Spark: everything needed is copied out now
                String error = read(row, x, good * width, width);
                Object[] values = new Object[kept.length];
                for (int i = 0; i < kept.length; i++) {
                    values[i] = row.isNullAt(kept[i]) ? null
                            : converters.get(i).apply(row.get(kept[i], keptTypes[i]));
                }
                keptValues.add(values);
                errors.add(error);
                if (error == null) {
                    good++;
                }
            }
            float[][] outputs = new float[0][];
            if (good > 0) {
                float[] batch = good == batchSize ? x : Arrays.copyOf(x, good * width);
                normalizer.applyInPlace(batch, width);
                AveronModel model = borrow();
                try {
                    INDArray result = model.output(Nd4j.create(batch, MinibatchFeeder.batchShape(shape, good), 'c'));
                    outputs = result.castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).toFloatMatrix();
                } finally {
                    MODELS.get(key).offer(model);
                }
            }
            for (int i = 0, k = 0; i < keptValues.size(); i++) {
                ready.add(output(keptValues.get(i), errors.get(i), errors.get(i) == null ? outputs[k++] : null));
            }
        }

        /** Copies the row's features into {@code x} at {@code offset}; returns why it cannot be scored, or null. */
        private String read(InternalRow row, float[] x, int offset, int width) {
            if (row.isNullAt(features)) {
                return "features are null";
            }
            if (pixelBytes) {
                byte[] pixels = row.getBinary(features);
                if (pixels.length != width) {
                    return "features have " + pixels.length + " bytes; the model takes " + width + " values (shape "
                            + Arrays.toString(shape) + ")";
                }
                FeatureColumn.copy(pixels, x, offset);
                return null;
            }
            ArrayData values = row.getArray(features);
            if (values.numElements() != width) {
                return "features have " + values.numElements() + " values; the model takes " + width + " (shape "
                        + Arrays.toString(shape) + ")";
            }
            for (int j = 0; j < width; j++) {
                if (values.isNullAt(j)) {
                    return "features have a null at position " + j;
                }
            }
            float[] f = values.toFloatArray();
            for (int j = 0; j < width; j++) {
                if (!Float.isFinite(f[j])) {
                    return "features have a non-finite value (" + f[j] + ") at position " + j;
                }
            }
            System.arraycopy(f, 0, x, offset, width);
            return null;
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

        /** A model of this task's JVM not in use by another task, loaded on first need. */
        private AveronModel borrow() {
            AveronModel model = MODELS.computeIfAbsent(key, k -> new ConcurrentLinkedQueue<>()).poll();
            return model != null ? model : ModelArtifact.read(new ByteArrayInputStream(bytes.value()), name,
                    // the very bytes the driver verified (and announced): checked again, not announced again
                    io.averon.core.artifact.ReadPolicy.checksumsOnly().withNotices(notice -> { })).model();
        }
    }
}
