package io.averon.core.report;

import io.averon.core.data.ArrayDataSet;
import io.averon.core.data.Labels;
import io.averon.core.metrics.ClassificationMetrics;
import io.averon.core.model.AveronModel;
import io.averon.core.train.Evaluator;
import io.averon.core.train.MinibatchFeeder;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Finds the examples a model gets most wrong: what users look at to find mislabelled or broken
 * data. The model runs in inference mode over the data in minibatches, in data order; only the k
 * worst examples are kept while it does.
 */
public final class HardExamples {

    /** Worst last: the heap's head is the least bad of the kept examples. */
    private static final Comparator<Candidate> LEAST_BAD_FIRST = Comparator.comparingDouble(Candidate::loss)
            .thenComparing(Comparator.comparingInt(Candidate::index).reversed());

    private HardExamples() {
    }

    /** An example's loss and what the model predicted for it. */
    private record Candidate(int index, double loss, int predictedClass, float predicted) {
    }

    /**
     * The k test examples with the highest loss (classification: cross-entropy of the true class,
     * {@code -ln(max(p_true, 1e-7))} as in the metrics; regression: squared error), highest first,
     * ties by index. A NaN loss counts as the highest. Fewer come back when the data set is smaller.
     *
     * @param model a model whose output matches the data's labels (class probabilities or one value)
     * @param data  the examples, e.g. the held-out split
     * @param k     how many to return, at least 0
     */
    public static List<HardExample> find(AveronModel model, ArrayDataSet data, int k) {
        if (k < 0) {
            throw new IllegalArgumentException("k must not be negative, got " + k);
        }
        int n = data.size();
        if (k == 0 || n == 0) {
            return List.of();
        }
        Labels.Classes classes = data.labels() instanceof Labels.Classes c ? c : null;
        int outputs = classes != null ? classes.numClasses() : 1;
        int batchSize = Math.min(Evaluator.DEFAULT_BATCH_SIZE, n);
        MinibatchFeeder feeder = new MinibatchFeeder(data, batchSize);
        float[] out = new float[batchSize * outputs];
        PriorityQueue<Candidate> kept = new PriorityQueue<>(k + 1, LEAST_BAD_FIRST);
        for (int start = 0; start < n; start += batchSize) {
            int count = Math.min(batchSize, n - start);
            copyOut(model.output(feeder.fill(null, start, count).features()), out, count * outputs);
            for (int r = 0; r < count; r++) {
                int index = start + r;
                double loss;
                int predictedClass = -1;
                float predicted;
                if (classes != null) {
                    int base = r * outputs;
                    predictedClass = argmax(out, base, outputs);
                    predicted = out[base + predictedClass];
                    float pTrue = out[base + classes.values()[index]];
                    loss = -Math.log(Math.max(pTrue, ClassificationMetrics.MIN_PROBABILITY));
                } else {
                    predicted = out[r];
                    double error = (double) predicted - ((Labels.Targets) data.labels()).values()[index];
                    loss = error * error;
                }
                if (kept.size() < k || Double.compare(loss, kept.peek().loss()) > 0) {
                    kept.add(new Candidate(index, loss, predictedClass, predicted));
                    if (kept.size() > k) {
                        kept.poll();
                    }
                }
            }
        }
        List<Candidate> worstFirst = new ArrayList<>(kept);
        worstFirst.sort(LEAST_BAD_FIRST.reversed());
        List<HardExample> result = new ArrayList<>(worstFirst.size());
        int width = data.featureLength();
        for (Candidate c : worstFirst) {
            float[] features = new float[width];
            System.arraycopy(data.features(), c.index() * width, features, 0, width);
            if (classes != null) {
                result.add(new HardExample(c.index(), classes.classNames().get(classes.values()[c.index()]),
                        classes.classNames().get(c.predictedClass()), c.predicted(), c.loss(), data.exampleShape(),
                        features));
            } else {
                float target = ((Labels.Targets) data.labels()).values()[c.index()];
                result.add(new HardExample(c.index(), format(target), format(c.predicted()), Double.NaN, c.loss(),
                        data.exampleShape(), features));
            }
        }
        return List.copyOf(result);
    }

    /** Index of the largest value in {@code values[base, base + length)}; ties: the lowest index. */
    private static int argmax(float[] values, int base, int length) {
        int best = 0;
        for (int c = 1; c < length; c++) {
            if (values[base + c] > values[base + best]) {
                best = c;
            }
        }
        return best;
    }

    private static String format(float value) {
        return Html.number(value);
    }

    private static void copyOut(INDArray output, float[] into, int length) {
        if (output.length() != length) {
            throw new IllegalStateException("model produced " + output.length() + " outputs, expected " + length
                    + ": its output does not match the data's labels");
        }
        INDArray dense = output.ordering() == 'c' && !output.isView() ? output : output.dup('c');
        dense.data().asNioFloat().get(into, 0, length);
    }
}
