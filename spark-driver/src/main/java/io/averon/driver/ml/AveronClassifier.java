package io.averon.driver.ml;

import io.averon.driver.scoring.ScoringModel;
import org.apache.spark.ml.util.DefaultParamsReadable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;

/**
 * A Spark ML estimator that trains an Averon classifier (a preset such as {@code mlp},
 * {@code logistic}, {@code cnn}, or a DL4J configuration) on the Spark engine with the parameter
 * server, on a features column (vector or array of numbers) and a label column of class indices.
 * Class names come from the label column's nominal ML attribute ({@code StringIndexer} writes it),
 * else they are {@code 0 .. k-1}.
 *
 * <pre>{@code
 * Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {
 *         new StringIndexer().setInputCol("species").setOutputCol("label"),
 *         new VectorAssembler().setInputCols(columns).setOutputCol("features"),
 *         new AveronClassifier().setModel("mlp").setEpochs(5)});
 * PipelineModel model = pipeline.fit(train);
 * }</pre>
 */
public final class AveronClassifier extends AveronEstimator<AveronClassifier, AveronClassificationModel>
        implements ClassifierParams {

    private static final long serialVersionUID = 1L;

    public AveronClassifier() {
        this(Identifiable.randomUID("averonClassifier"));
    }

    public AveronClassifier(String uid) {
        super(uid, true, StageParams.classifierModel());
    }

    public AveronClassifier setProbabilityCol(String value) {
        set(probabilityCol(), value);
        return this;
    }

    public AveronClassifier setRawPredictionCol(String value) {
        set(rawPredictionCol(), value);
        return this;
    }

    @Override
    boolean classifier() {
        return true;
    }

    @Override
    AveronClassificationModel newModel(String uid, ScoringModel scoring, TrainingSummary summary) {
        AveronClassificationModel model = new AveronClassificationModel(uid);
        model.attach(scoring, summary);
        return model;
    }

    /** Spark ML's reader of a saved classifier (its params). */
    public static MLReader<AveronClassifier> read() {
        return new DefaultParamsReadable<AveronClassifier>() { }.read();
    }

    public static AveronClassifier load(String path) {
        return read().load(path);
    }
}
