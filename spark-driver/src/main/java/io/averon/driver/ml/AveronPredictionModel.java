package io.averon.driver.ml;

import io.averon.core.InvalidInputException;
import io.averon.driver.scoring.FeatureBatch;
import io.averon.driver.scoring.MinibatchScoring;
import io.averon.driver.scoring.ScoringModel;
import io.averon.driver.scoring.ShippedModel;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;

import java.util.Iterator;

/**
 * What the Averon models share: the params (their estimator's values), the verified model they
 * score with, and {@link #transform}, which appends the prediction columns and the error column to
 * every input row, scoring each partition in minibatches of {@code batchSize} with the code
 * {@code BatchScorer} uses ({@link MinibatchScoring}: the model file's bytes broadcast once, loaded
 * once per executor JVM and task slot). It runs through {@code Dataset.mapPartitions}, so it also
 * scores streaming DataFrames.
 *
 * <p>A row that cannot be scored (features null, of the wrong length, with a null or a non-finite
 * value) keeps null predictions and says why in the error column.
 *
 * <p>Saved with Spark ML's metadata (params) and {@code model.zip} (Averon's verified model file)
 * in the same directory; loading verifies {@code model.zip}'s checksums.
 *
 * @param <M> the concrete model
 */
public abstract class AveronPredictionModel<M extends AveronPredictionModel<M>> extends Model<M>
        implements AveronParams, DefaultParamsWritable {

    private static final long serialVersionUID = 1L;

    private final String uid;
    private final StageParams params;
    /** Null for a model not fitted or loaded yet (made by Spark's reader, or by ServiceLoader). */
    private transient ScoringModel scoring;
    private transient TrainingSummary summary;

    AveronPredictionModel(String uid, boolean classifier, String defaultModel) {
        this.uid = uid;
        this.params = new StageParams(this, classifier, defaultModel);
    }

    @Override
    public String uid() {
        return uid;
    }

    @Override
    public StageParams averonParams() {
        return params;
    }

    /** Whether this model predicts classes. */
    abstract boolean classifier();

    /** Builds the output row of one input row: its values, then what {@code scores} gives, then {@code error}. */
    abstract RowOutput rowOutput();

    /** The output columns' values from the network's output for one row (null: the row was not scored). */
    interface RowOutput extends java.io.Serializable {
        Object[] values(float[] scores);

        int columns();
    }

    void attach(ScoringModel model, TrainingSummary trainingSummary) {
        this.scoring = model;
        this.summary = trainingSummary;
    }

    /** The verified model this stage scores with. */
    ScoringModel scoringModel() {
        if (scoring == null) {
            throw new InvalidInputException(getClass().getSimpleName() + " " + uid + " holds no trained model: fit "
                    + "an estimator or load a saved model");
        }
        return scoring;
    }

    @SuppressWarnings("unchecked")
    private M self() {
        return (M) this;
    }

    public M setFeaturesCol(String value) {
        set(featuresCol(), value);
        return self();
    }

    public M setPredictionCol(String value) {
        set(predictionCol(), value);
        return self();
    }

    public M setErrorCol(String value) {
        set(errorCol(), value);
        return self();
    }

    /** Rows per forward pass when scoring. */
    public M setBatchSize(int value) {
        set(batchSize(), (Object) value);
        return self();
    }

    /** Whether {@link #summary()} is there: after {@code fit}, not after loading. */
    public boolean hasSummary() {
        return summary != null;
    }

    /** The training run's per-epoch records and final metrics. */
    public TrainingSummary summary() {
        if (summary == null) {
            throw new IllegalStateException("no training summary: this model was loaded, not fitted in this session");
        }
        return summary;
    }

    /** The shape of one example the model takes. */
    public int[] modelInputShape() {
        return scoringModel().manifest().inputShape().clone();
    }

    /**
     * Checks the features column and the output columns (one-line {@link InvalidInputException}s,
     * before any Spark job) and returns the input schema with the output columns appended.
     */
    @Override
    public StructType transformSchema(StructType schema) {
        scoringModel();
        StageSchema.features(schema, this);
        return StageSchema.withOutputs(schema, this, classifier());
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType in = dataset.schema();
        StructType out = transformSchema(in);
        StageSchema.FeatureKind kind = StageSchema.features(in, this);
        ShippedModel shipped = ShippedModel.broadcast(dataset.sparkSession(), scoringModel());
        PartitionTask task = new PartitionTask(shipped, getBatchSize(), in.fieldIndex(getFeaturesCol()), kind,
                in.fields().length, rowOutput());
        return dataset.toDF().mapPartitions(task, Encoders.row(out));
    }

    @Override
    public M copy(ParamMap extra) {
        M copy = newInstance(uid);
        copy.attach(scoring, summary);
        copyValues(copy, extra);
        return copy.setParent(parent());
    }

    /** An empty model of this type with uid {@code uid}. */
    abstract M newInstance(String uid);

    /** Writes Spark ML's metadata (as {@code DefaultParamsWritable} does) and {@code model.zip}. */
    @Override
    public MLWriter write() {
        return new ModelPersistence.Writer(this, DefaultParamsWritable.super.write());
    }

    /** Scores one partition: each input row out with its output columns appended. */
    private record PartitionTask(ShippedModel model, int batchSize, int features, StageSchema.FeatureKind kind,
                                 int inputColumns, RowOutput output) implements MapPartitionsFunction<Row, Row> {

        @Override
        public Iterator<Row> call(Iterator<Row> rows) {
            return MinibatchScoring.score(model, batchSize, rows, new MinibatchScoring.Records<Row, Row, Row>() {
                @Override
                public Row keep(Row row) {
                    return row;
                }

                @Override
                public String read(Row row, FeatureBatch batch) {
                    if (row.isNullAt(features)) {
                        return batch.addNull();
                    }
                    return switch (kind) {
                        case VECTOR -> batch.add(((Vector) row.get(features)).toArray());
                        case NUMBERS -> batch.add(row.getList(features));
                        case BYTES -> batch.add((byte[]) row.get(features));
                    };
                }

                @Override
                public Row output(Row row, String error, float[] scores) {
                    Object[] values = new Object[inputColumns + output.columns() + 1];
                    for (int i = 0; i < inputColumns; i++) {
                        values[i] = row.get(i);
                    }
                    if (scores != null) {
                        Object[] predicted = output.values(scores);
                        System.arraycopy(predicted, 0, values, inputColumns, predicted.length);
                    }
                    values[values.length - 1] = error;
                    return RowFactory.create(values);
                }
            });
        }
    }
}
