package io.averon.driver.scoring;

import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.unsafe.types.UTF8String;

import java.util.List;

/**
 * The values of the columns {@link BatchScorer} adds ({@link BatchScorer#predictionFields}) for one
 * record, as Spark's internal row (what its writers and operators take, with no conversion from
 * {@code Row} objects): from the model's output, or null predictions and the reason the record was
 * not scored; each record is counted in the job's {@link ScoringCounts}, when it has them. Made in
 * the executor, one per task.
 */
final class PredictionValues {

    private final boolean regression;
    private final UTF8String[] labels;
    private final int topK;
    /** Where each record is counted, or null when the caller counts nothing. */
    private final ScoringCounts counts;

    PredictionValues(boolean regression, List<String> classNames, int topK, ScoringCounts counts) {
        this.regression = regression;
        this.labels = classNames.stream().map(UTF8String::fromString).toArray(UTF8String[]::new);
        this.topK = topK;
        this.counts = counts;
    }

    /**
     * A classifier's {@code predicted}, {@code probability}, {@code top_k} and {@code error}, or a
     * regression model's {@code value} and {@code error}; {@code scores} is the model's output for
     * the record, null when {@code error} says why it was not scored.
     */
    InternalRow of(String error, float[] scores) {
        if (counts != null) {
            counts.count(error == null);
        }
        Object[] values = new Object[regression ? 2 : 4];
        if (scores != null && regression) {
            values[0] = (double) scores[0];
        } else if (scores != null) {
            int[] order = best(scores, topK);
            Object[] top = new Object[topK];
            for (int t = 0; t < topK; t++) {
                top[t] = new GenericInternalRow(new Object[] {labels[order[t]], (double) scores[order[t]]});
            }
            values[0] = labels[order[0]];
            values[1] = (double) scores[order[0]];
            values[2] = new GenericArrayData(top);
        }
        values[values.length - 1] = error == null ? null : UTF8String.fromString(error);
        return new GenericInternalRow(values);
    }

    /** The {@code k} best classes' indices by score, highest first; equal scores in class order. */
    static int[] best(float[] scores, int k) {
        int[] top = new int[k];
        int kept = 0;
        for (int c = 0; c < scores.length; c++) {
            int at = kept; // after every kept class scoring at least as high
            while (at > 0 && Float.compare(scores[top[at - 1]], scores[c]) < 0) {
                at--;
            }
            if (at < k) {
                System.arraycopy(top, at, top, at + 1, Math.min(kept, k - 1) - at);
                top[at] = c;
                kept = Math.min(kept + 1, k);
            }
        }
        return top;
    }
}
