package io.averon.driver.ml;

import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;

import java.util.List;

/**
 * A fitted {@link AveronClassifier}. {@code transform} appends, for every row it can score:
 * {@code prediction} (the class index, double), {@code probability} (the network's softmax
 * output, a vector), {@code rawPrediction} (the log of each probability: the network ends in a
 * softmax, so its logits are not available; the log-probabilities order the classes as the logits
 * would and are what {@code BinaryClassificationEvaluator} needs) and {@code error} (null); for a
 * row it cannot score, nulls and the reason in {@code error}.
 *
 * <p>The no-argument and uid constructors make an empty model (what Spark's reader and
 * {@code ServiceLoader} need); it scores once fitted or loaded.
 */
public final class AveronClassificationModel extends AveronPredictionModel<AveronClassificationModel>
        implements ClassifierParams {

    private static final long serialVersionUID = 1L;

    public AveronClassificationModel() {
        this(Identifiable.randomUID("averonClassificationModel"));
    }

    public AveronClassificationModel(String uid) {
        super(uid, true, StageParams.classifierModel());
    }

    public AveronClassificationModel setProbabilityCol(String value) {
        set(probabilityCol(), value);
        return this;
    }

    public AveronClassificationModel setRawPredictionCol(String value) {
        set(rawPredictionCol(), value);
        return this;
    }

    /** Number of classes. */
    public int numClasses() {
        return classNames().size();
    }

    /** The class names, index = predicted class index. */
    public List<String> classNames() {
        return scoringModel().manifest().classNames();
    }

    @Override
    boolean classifier() {
        return true;
    }

    @Override
    AveronClassificationModel newInstance(String uid) {
        return new AveronClassificationModel(uid);
    }

    @Override
    RowOutput rowOutput() {
        return new Classes();
    }

    /** prediction, probability, rawPrediction. */
    private static final class Classes implements RowOutput {
        private static final long serialVersionUID = 1L;

        @Override
        public Object[] values(float[] scores) {
            double[] p = new double[scores.length];
            double[] raw = new double[scores.length];
            int best = 0;
            for (int c = 0; c < scores.length; c++) {
                p[c] = scores[c];
                raw[c] = Math.log(scores[c]);
                if (scores[c] > scores[best]) {
                    best = c;
                }
            }
            return new Object[] {(double) best, Vectors.dense(p), Vectors.dense(raw)};
        }

        @Override
        public int columns() {
            return 3;
        }
    }

    public static MLReader<AveronClassificationModel> read() {
        return new ModelPersistence.Reader<>();
    }

    public static AveronClassificationModel load(String path) {
        return read().load(path);
    }
}
