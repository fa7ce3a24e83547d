package io.averon.core.train;

import io.averon.core.data.ArrayDataSet;
import io.averon.core.data.Labels;
import io.averon.core.metrics.ClassificationMetrics;
import io.averon.core.metrics.RegressionMetrics;
import io.averon.core.model.AveronModel;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Evaluates a model on a data set in inference mode, minibatch by minibatch, in data order (so
 * the same model and data always give exactly the same metrics).
 */
public final class Evaluator {

    /** Minibatch size used for evaluation (does not affect the results). */
    public static final int DEFAULT_BATCH_SIZE = 1000;
    /** k of the top-k accuracy reported for classifiers (capped by the class count). */
    public static final int TOP_K = 5;

    private Evaluator() {
    }

    public static EvaluationResult evaluate(AveronModel model, ArrayDataSet data) {
        return evaluate(model, data, null, DEFAULT_BATCH_SIZE);
    }

    /**
     * Evaluates on {@code indices} of {@code data} (null = all examples, in order).
     */
    public static EvaluationResult evaluate(AveronModel model, ArrayDataSet data, int[] indices, int batchSize) {
        MinibatchFeeder feeder = new MinibatchFeeder(data, batchSize);
        int n = indices == null ? data.size() : indices.length;
        if (data.labels() instanceof Labels.Classes c) {
            int classes = c.numClasses();
            ClassificationMetrics metrics = new ClassificationMetrics(classes, Math.min(TOP_K, classes));
            float[] probabilities = new float[Math.min(batchSize, Math.max(n, 1)) * classes];
            int[] labelBuffer = new int[Math.min(batchSize, Math.max(n, 1))];
            for (int start = 0; start < n; start += batchSize) {
                int count = Math.min(batchSize, n - start);
                INDArray out = model.output(feeder.fill(indices, start, count).features());
                copyOut(out, probabilities, count * classes);
                for (int r = 0; r < count; r++) {
                    labelBuffer[r] = c.values()[indices == null ? start + r : indices[start + r]];
                }
                metrics.add(probabilities, count, labelBuffer, 0);
            }
            return new EvaluationResult(metrics, null, c.classNames());
        }
        Labels.Targets targets = (Labels.Targets) data.labels();
        RegressionMetrics metrics = new RegressionMetrics();
        float[] predictions = new float[Math.min(batchSize, Math.max(n, 1))];
        float[] targetBuffer = new float[predictions.length];
        for (int start = 0; start < n; start += batchSize) {
            int count = Math.min(batchSize, n - start);
            INDArray out = model.output(feeder.fill(indices, start, count).features());
            copyOut(out, predictions, count);
            for (int r = 0; r < count; r++) {
                targetBuffer[r] = targets.values()[indices == null ? start + r : indices[start + r]];
            }
            metrics.add(predictions, count, targetBuffer, 0);
        }
        return new EvaluationResult(null, metrics, java.util.List.of());
    }

    private static void copyOut(INDArray out, float[] into, int length) {
        if (out.length() != length) {
            throw new IllegalStateException("model produced " + out.length() + " outputs, expected " + length);
        }
        INDArray dense = out.ordering() == 'c' && !out.isView() ? out : out.dup('c');
        dense.data().asNioFloat().get(into, 0, length);
    }
}
