package io.averon.core.metrics;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Mergeable accumulator of classification metrics over softmax outputs: confusion matrix, top-k
 * hits, summed cross-entropy and the example count. Not thread-safe: one thread owns an instance;
 * partial results from other partitions are combined with {@link #merge}. Serializable, so an
 * executor's partial result can be shipped to the driver.
 *
 * <p>Zero denominators: per-class {@link #precision}, {@link #recall} and {@link #f1} are 0 when
 * their denominator is 0. The whole-set figures {@link #accuracy}, {@link #topKAccuracy}, {@link
 * #meanLoss} and {@link #macroF1} are {@code NaN} while no example has been added. Probabilities
 * are not checked for finiteness; a {@code NaN} probability of the true class makes the loss
 * {@code NaN}.
 */
public final class ClassificationMetrics implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The true class's probability is clamped to at least this before the logarithm. */
    public static final double MIN_PROBABILITY = 1e-7;

    private final int numClasses;
    private final int topK;
    private final long[][] confusion;
    private long count;
    private long topKCorrect;
    private double lossSum;

    /**
     * @param numClasses number of classes, at least 1
     * @param topK       the k of top-k accuracy, in {@code [1, numClasses]}
     */
    public ClassificationMetrics(int numClasses, int topK) {
        if (numClasses < 1) {
            throw new IllegalArgumentException("numClasses must be at least 1, got " + numClasses);
        }
        if (topK < 1 || topK > numClasses) {
            throw new IllegalArgumentException("topK must be in [1, " + numClasses + "], got " + topK);
        }
        this.numClasses = numClasses;
        this.topK = topK;
        this.confusion = new long[numClasses][numClasses];
    }

    /**
     * Adds a batch. The predicted class is the argmax (ties: lowest index); the row is a top-k hit
     * when fewer than k classes have a probability strictly greater than the true class's; the
     * loss is {@code -ln(max(p_true, 1e-7))}. Allocates nothing. All labels are checked before
     * anything is counted, so a rejected batch leaves the accumulator unchanged.
     *
     * @param probabilities row-major {@code rowCount x numClasses} class probabilities
     * @param rowCount      number of rows to read
     * @param labels        {@code labels[labelOffset + r]} is the true class of row {@code r}
     * @param labelOffset   index in {@code labels} of row 0's label
     * @throws IllegalArgumentException if a label is outside {@code [0, numClasses)} (the message
     *                                  names the row) or the arrays are too short
     */
    public void add(float[] probabilities, int rowCount, int[] labels, int labelOffset) {
        Objects.requireNonNull(probabilities, "probabilities");
        Objects.requireNonNull(labels, "labels");
        if (rowCount < 0) {
            throw new IllegalArgumentException("rowCount must not be negative, got " + rowCount);
        }
        if ((long) rowCount * numClasses > probabilities.length) {
            throw new IllegalArgumentException("probabilities has " + probabilities.length + " values, need "
                    + rowCount + " rows x " + numClasses + " classes");
        }
        if (labelOffset < 0 || (long) labelOffset + rowCount > labels.length) {
            throw new IllegalArgumentException("labels[" + labelOffset + ", " + ((long) labelOffset + rowCount)
                    + ") is outside an array of length " + labels.length);
        }
        for (int r = 0; r < rowCount; r++) {
            int label = labels[labelOffset + r];
            if (label < 0 || label >= numClasses) {
                throw new IllegalArgumentException("row " + r + ": label " + label + " (labels["
                        + (labelOffset + r) + "]) is outside [0, " + numClasses + ")");
            }
        }
        for (int r = 0; r < rowCount; r++) {
            int base = r * numClasses;
            int label = labels[labelOffset + r];
            float pTrue = probabilities[base + label];
            int predicted = 0;
            float best = probabilities[base];
            int greater = 0;
            for (int c = 0; c < numClasses; c++) {
                float p = probabilities[base + c];
                if (p > best) {
                    best = p;
                    predicted = c;
                }
                if (p > pTrue) {
                    greater++;
                }
            }
            confusion[label][predicted]++;
            if (greater < topK) {
                topKCorrect++;
            }
            lossSum -= Math.log(Math.max(pTrue, MIN_PROBABILITY));
        }
        count += rowCount;
    }

    /**
     * Adds another accumulator's counts and sums to this one; {@code other} is not changed.
     *
     * @throws IllegalArgumentException if {@code other} has a different numClasses or topK
     */
    public void merge(ClassificationMetrics other) {
        Objects.requireNonNull(other, "other");
        if (other.numClasses != numClasses || other.topK != topK) {
            throw new IllegalArgumentException("cannot merge metrics for " + other.numClasses + " classes, top-"
                    + other.topK + " into metrics for " + numClasses + " classes, top-" + topK);
        }
        for (int a = 0; a < numClasses; a++) {
            for (int p = 0; p < numClasses; p++) {
                confusion[a][p] += other.confusion[a][p];
            }
        }
        count += other.count;
        topKCorrect += other.topKCorrect;
        lossSum += other.lossSum;
    }

    /**
     * The raw counts and sums, as JSON-ready values: what a worker sends so that its partial
     * metrics can be merged elsewhere ({@link #fromState}).
     */
    public Map<String, Object> state() {
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        out.put("num_classes", numClasses);
        out.put("top_k", topK);
        out.put("count", count);
        out.put("top_k_correct", topKCorrect);
        out.put("loss_sum", lossSum);
        List<List<Long>> rows = new java.util.ArrayList<>();
        for (long[] row : confusion) {
            rows.add(java.util.Arrays.stream(row).boxed().toList());
        }
        out.put("confusion", rows);
        return out;
    }

    /**
     * Rebuilds an accumulator from {@link #state()} (as parsed from JSON).
     *
     * @throws IllegalArgumentException if the state is malformed or inconsistent
     */
    public static ClassificationMetrics fromState(Map<String, ?> state) {
        try {
            int classes = ((Number) state.get("num_classes")).intValue();
            ClassificationMetrics m = new ClassificationMetrics(classes, ((Number) state.get("top_k")).intValue());
            List<?> rows = (List<?>) state.get("confusion");
            if (rows.size() != classes) {
                throw new IllegalArgumentException("confusion matrix has " + rows.size() + " rows, expected " + classes);
            }
            long total = 0;
            for (int a = 0; a < classes; a++) {
                List<?> row = (List<?>) rows.get(a);
                if (row.size() != classes) {
                    throw new IllegalArgumentException("confusion row " + a + " has " + row.size() + " cells");
                }
                for (int p = 0; p < classes; p++) {
                    long cell = ((Number) row.get(p)).longValue();
                    if (cell < 0) {
                        throw new IllegalArgumentException("negative confusion count");
                    }
                    m.confusion[a][p] = cell;
                    total += cell;
                }
            }
            m.count = ((Number) state.get("count")).longValue();
            m.topKCorrect = ((Number) state.get("top_k_correct")).longValue();
            m.lossSum = ((Number) state.get("loss_sum")).doubleValue();
            if (m.count != total || m.topKCorrect < 0 || m.topKCorrect > m.count) {
                throw new IllegalArgumentException("counts disagree: count " + m.count + ", confusion total " + total
                        + ", top-k correct " + m.topKCorrect);
            }
            return m;
        } catch (ClassCastException | NullPointerException e) {
            throw new IllegalArgumentException("malformed classification metrics state: " + e.getMessage(), e);
        }
    }

    /** Number of examples added. */
    public long count() {
        return count;
    }

    /** Fraction of examples whose argmax is the true class; {@code NaN} if none were added. */
    public double accuracy() {
        long correct = 0;
        for (int c = 0; c < numClasses; c++) {
            correct += confusion[c][c];
        }
        return ratioOrNaN(correct, count);
    }

    /** Fraction of examples whose true class is among the k most probable; {@code NaN} if empty. */
    public double topKAccuracy() {
        return ratioOrNaN(topKCorrect, count);
    }

    /** The k of {@link #topKAccuracy()}. */
    public int topK() {
        return topK;
    }

    /** Number of classes. */
    public int numClasses() {
        return numClasses;
    }

    /** Mean cross-entropy {@code -ln(max(p_true, 1e-7))}; {@code NaN} if empty. */
    public double meanLoss() {
        return count == 0 ? Double.NaN : lossSum / count;
    }

    /** A copy of the confusion matrix: {@code [actual][predicted]} example counts. */
    public long[][] confusionMatrix() {
        long[][] copy = new long[numClasses][];
        for (int a = 0; a < numClasses; a++) {
            copy[a] = confusion[a].clone();
        }
        return copy;
    }

    /** Correct predictions of class {@code c} / all predictions of {@code c}; 0 if never predicted. */
    public double precision(int c) {
        checkClass(c);
        long predicted = 0;
        for (int a = 0; a < numClasses; a++) {
            predicted += confusion[a][c];
        }
        return predicted == 0 ? 0.0 : (double) confusion[c][c] / predicted;
    }

    /** Correct predictions of class {@code c} / examples of {@code c}; 0 if it has no examples. */
    public double recall(int c) {
        long support = support(c);
        return support == 0 ? 0.0 : (double) confusion[c][c] / support;
    }

    /** Harmonic mean of precision and recall of class {@code c}; 0 if both are 0. */
    public double f1(int c) {
        double p = precision(c);
        double r = recall(c);
        return p + r == 0 ? 0.0 : 2 * p * r / (p + r);
    }

    /** Number of examples whose true class is {@code c}. */
    public long support(int c) {
        checkClass(c);
        long support = 0;
        for (long cell : confusion[c]) {
            support += cell;
        }
        return support;
    }

    /**
     * Unweighted mean of {@link #f1} over all classes (classes without examples count as 0);
     * {@code NaN} if empty.
     */
    public double macroF1() {
        if (count == 0) {
            return Double.NaN;
        }
        double sum = 0;
        for (int c = 0; c < numClasses; c++) {
            sum += f1(c);
        }
        return sum / numClasses;
    }

    /**
     * Per-class precision, recall, F1 and support, in class-index order.
     *
     * @param classNames one name per class, or {@code null} for the class indices
     */
    public List<ClassStats> perClass(List<String> classNames) {
        List<String> names = names(classNames);
        List<ClassStats> out = new ArrayList<>(numClasses);
        for (int c = 0; c < numClasses; c++) {
            out.add(new ClassStats(names.get(c), precision(c), recall(c), f1(c), support(c)));
        }
        return List.copyOf(out);
    }

    /**
     * The {@code n} off-diagonal cells with the largest counts, by count descending, ties by
     * (actual, predicted) ascending. Cells with count 0 are never returned, so fewer than
     * {@code n} pairs may come back.
     */
    public List<ConfusedPair> mostConfused(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("n must not be negative, got " + n);
        }
        List<ConfusedPair> cells = new ArrayList<>();
        for (int a = 0; a < numClasses; a++) {
            for (int p = 0; p < numClasses; p++) {
                if (a != p && confusion[a][p] > 0) {
                    cells.add(new ConfusedPair(a, p, confusion[a][p]));
                }
            }
        }
        cells.sort(Comparator.comparingLong(ConfusedPair::count).reversed()
                .thenComparingInt(ConfusedPair::actual).thenComparingInt(ConfusedPair::predicted));
        return List.copyOf(cells.subList(0, Math.min(n, cells.size())));
    }

    /**
     * A multi-line text report: accuracy, top-k accuracy, mean loss, macro F1, a per-class table
     * and the confusion matrix (rows actual, columns predicted; names cut to 12 characters).
     *
     * @param classNames one name per class, or {@code null} for the class indices
     */
    public String formatReport(List<String> classNames) {
        return MetricsReports.classificationText(this, names(classNames));
    }

    /**
     * The metrics as a JSON-ready map (insertion-ordered) with keys {@code test_accuracy},
     * {@code test_loss}, {@code top_k}, {@code top_k_accuracy}, {@code macro_f1}, {@code
     * class_names}, {@code per_class} (maps with name, precision, recall, f1, support) and {@code
     * confusion_matrix} (rows actual, columns predicted).
     *
     * @param classNames one name per class, or {@code null} for the class indices
     */
    public Map<String, Object> toJson(List<String> classNames) {
        return MetricsReports.classificationJson(this, names(classNames));
    }

    private List<String> names(List<String> classNames) {
        if (classNames == null) {
            List<String> indices = new ArrayList<>(numClasses);
            for (int c = 0; c < numClasses; c++) {
                indices.add(Integer.toString(c));
            }
            return List.copyOf(indices);
        }
        if (classNames.size() != numClasses) {
            throw new IllegalArgumentException("got " + classNames.size() + " class names for " + numClasses
                    + " classes");
        }
        return List.copyOf(classNames);
    }

    private void checkClass(int c) {
        if (c < 0 || c >= numClasses) {
            throw new IllegalArgumentException("class " + c + " is outside [0, " + numClasses + ")");
        }
    }

    private static double ratioOrNaN(long numerator, long denominator) {
        return denominator == 0 ? Double.NaN : (double) numerator / denominator;
    }
}
