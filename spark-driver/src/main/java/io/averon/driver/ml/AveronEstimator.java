package io.averon.driver.ml;

import io.averon.core.InvalidInputException;
import io.averon.core.artifact.ModelDescription;
import io.averon.core.runtime.NativeRuntime;
import io.averon.core.runtime.NativeSettings;
import io.averon.driver.data.InputFacts;
import io.averon.driver.data.SparkData;
import io.averon.driver.data.TrainingInput;
import io.averon.driver.run.ModelSource;
import io.averon.driver.run.RunListener;
import io.averon.driver.run.RunStart;
import io.averon.driver.run.Trained;
import io.averon.driver.scoring.ScoringModel;
import io.averon.driver.training.SparkEngine;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What the Averon estimators share: their params ({@link AveronParams}), the schema checks, and
 * {@link #fit}, which trains on the Spark engine of the data's session through the public
 * training API ({@code SparkEngine.fit(TrainingInput.of(SparkData.fromRows(...)), ModelSource.of(...))})
 * and returns the model with this estimator's param values and a {@link TrainingSummary}.
 *
 * <p>The input is split into training and held-out rows by a seeded random split
 * ({@code validationFraction}, {@code seed}), or by a boolean column marking the held-out rows
 * ({@code validationIndicatorCol}); the held-out rows give the per-epoch validation metrics. Features are read as 32-bit floats.
 *
 * @param <E> the concrete estimator (what the setters return)
 * @param <M> the model it fits
 */
public abstract class AveronEstimator<E extends AveronEstimator<E, M>, M extends AveronPredictionModel<M>>
        extends Estimator<M> implements AveronParams, DefaultParamsWritable {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(AveronEstimator.class);

    private final String uid;
    private final StageParams params;

    AveronEstimator(String uid, boolean classifier, String defaultModel) {
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

    /** Whether this estimator predicts classes. */
    abstract boolean classifier();

    /** A fitted model of this estimator's type, with uid {@code uid}. */
    abstract M newModel(String uid, ScoringModel scoring, TrainingSummary summary);

    @SuppressWarnings("unchecked")
    private E self() {
        return (E) this;
    }

    private E with(org.apache.spark.ml.param.Param<?> param, Object value) {
        @SuppressWarnings("unchecked")
        org.apache.spark.ml.param.Param<Object> p = (org.apache.spark.ml.param.Param<Object>) param;
        set(p, value);
        return self();
    }

    public E setFeaturesCol(String value) {
        return with(featuresCol(), value);
    }

    public E setLabelCol(String value) {
        return with(labelCol(), value);
    }

    public E setPredictionCol(String value) {
        return with(predictionCol(), value);
    }

    public E setErrorCol(String value) {
        return with(errorCol(), value);
    }

    /** A preset ({@code mlp}, {@code logistic}, {@code cnn}, {@code linear}) or a DL4J configuration .json file. */
    public E setModel(String value) {
        return with(model(), value);
    }

    /** The shape of one example, e.g. {@code "1,28,28"} for a cnn on flat features. */
    public E setInputShape(String value) {
        return with(inputShape(), value);
    }

    public E setEpochs(int value) {
        return with(epochs(), value);
    }

    public E setBatchSize(int value) {
        return with(batchSize(), value);
    }

    public E setWorkers(int value) {
        return with(workers(), value);
    }

    public E setSyncEvery(int value) {
        return with(syncEvery(), value);
    }

    /** {@code server} or {@code sharded}. */
    public E setAveraging(String value) {
        return with(averaging(), value);
    }

    /** {@code adam}, {@code sgd} or {@code nesterov}. */
    public E setOptimizer(String value) {
        return with(optimizer(), value);
    }

    public E setLearningRate(double value) {
        return with(learningRate(), value);
    }

    public E setSeed(long value) {
        return with(seed(), value);
    }

    public E setValidationFraction(double value) {
        return with(validationFraction(), value);
    }

    /** A boolean column marking the held-out rows (true), instead of a random split. */
    public E setValidationIndicatorCol(String value) {
        return with(validationIndicatorCol(), value);
    }

    /**
     * Checks the input columns, the output columns and the settings (one-line
     * {@link InvalidInputException}s, before any Spark job) and returns the schema the fitted
     * model's {@code transform} gives.
     */
    @Override
    public StructType transformSchema(StructType schema) {
        StageSchema.FeatureKind kind = StageSchema.features(schema, this);
        StageSchema.label(schema, this, classifier());
        StageSchema.validationIndicator(schema, this);
        TrainingPlan plan = TrainingPlan.of(this, classifier());
        int width = StageSchema.knownWidth(schema, this, kind);
        if (width > 0 && plan.width() > 0 && width != plan.width()) {
            throw new InvalidInputException("inputShape '" + getInputShape() + "' has " + plan.width()
                    + " values, but featuresCol '" + getFeaturesCol() + "' holds vectors of " + width);
        }
        return StageSchema.withOutputs(schema, this, classifier());
    }

    @Override
    public M fit(Dataset<?> dataset) {
        StructType schema = dataset.schema();
        transformSchema(schema);
        TrainingPlan plan = TrainingPlan.of(this, classifier());
        StageSchema.FeatureKind kind = StageSchema.features(schema, this);
        LOG.info("{} fits with {}", uid, java.util.Arrays.stream(params()).filter(this::isDefined)
                .map(p -> p.name() + "=" + getOrDefault(p)).collect(java.util.stream.Collectors.joining(", ")));
        List<String> classNames = classifier() ? LabelClasses.of(dataset, getLabelCol()) : List.of();
        Column features = kind == StageSchema.FeatureKind.VECTOR
                ? org.apache.spark.ml.functions.vector_to_array(functions.col(getFeaturesCol()), "float32")
                : functions.col(getFeaturesCol());
        Column label = functions.col(getLabelCol()).cast(DataTypes.DoubleType).as("label");
        Dataset<Row> train;
        Dataset<Row> held;
        String indicator = getValidationIndicatorCol();
        if (indicator != null) {
            Dataset<Row> rows = dataset.select(features.as("features"), label, // a null mark is a training row
                    functions.coalesce(functions.col(indicator), functions.lit(false)).as("held"));
            train = rows.filter(functions.not(functions.col("held"))).drop("held");
            held = rows.filter(functions.col("held")).drop("held");
        } else {
            Dataset<Row>[] split = dataset.select(features.as("features"), label)
                    .randomSplit(new double[] {1 - getValidationFraction(), getValidationFraction()}, getSeed());
            train = split[0];
            held = split[1];
        }
        SparkData data = SparkData.fromRows(train, held, "features", "label", classNames, plan.shape());
        AtomicReference<RunStart> started = new AtomicReference<>();
        RunListener listener = new RunListener() {
            @Override
            public void onRunStart(RunStart start) {
                started.set(start);
            }
        };
        // the driver trains nothing: it builds the model, checks it against the data and holds the average
        NativeRuntime.configure(new NativeSettings(1, plan.spec().convolutional()));
        Trained trained = new SparkEngine(dataset.sparkSession(), plan.config()).fit(TrainingInput.of(data),
                ModelSource.of(plan.spec(), plan.updater()), listener);
        InputFacts facts = trained.data();
        RunStart start = started.get();
        ModelDescription description = new ModelDescription(facts.classNames(), facts.shape(), facts.normalizer(),
                facts.split(), start.settings(), start.seed(), facts.provenance());
        M model = newModel(uid, ScoringModel.of(trained.model(), description),
                TrainingSummary.of(trained.training(), trained.workers()));
        copyValues(model, new ParamMap());
        return model.setParent(this);
    }

    @Override
    public E copy(ParamMap extra) {
        return defaultCopy(extra);
    }
}
