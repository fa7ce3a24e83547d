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
 * not scored. Made in the executor, one per task.
 */
final class PredictionValues {

    private final boolean regression;
    private final UTF8String[] labels;
    private final int topK;

    PredictionValues(boolean regression, List<String> classNames, int topK) {
        this.regression = regression;
        this.labels = classNames.stream().map(UTF8String::fromString).toArray(UTF8String[]::new);
        this.topK = topK;
    }

    /**
     * A classifier's {@code predicted}, {@code probability}, {@code top_k} and {@code error}, or a
     * regression model's {@code value} and {@code error}; {@code scores} is the model's output for
     * the record, null when {@code error} says why it was not scored.
     */
    InternalRow of(String error, float[] scores) {
        Object[] values = new Object[regression ? 2 : 4];
        if (scores != null && regression) {
            values[0] = (double) scores[0];
        } else if (scores != null) {
            int[] order = ranking(scores);
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

    /** Class indices by score, highest first; equal scores in class order. */
    static int[] ranking(float[] scores) {
        return java.util.stream.IntStream.range(0, scores.length).boxed()
                .sorted((a, b) -> Float.compare(scores[b], scores[a]))
                .mapToInt(Integer::intValue).toArray();
    }
}
