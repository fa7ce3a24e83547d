package io.averon.core.report;

import java.util.Arrays;

/**
 * One held-out example the model gets most wrong, as the report shows it.
 *
 * @param index          the example's position in the data set it was found in
 * @param trueLabel      the true class name (regression: the target, formatted)
 * @param predictedLabel the predicted class name (regression: the prediction, formatted)
 * @param probability    the model's probability of the predicted class (regression: NaN)
 * @param loss           the example's loss: cross-entropy of the true class, or squared error
 * @param shape          the example's shape ({@code [channels, height, width]} for images)
 * @param features       the example's feature values as the model saw them (normalised)
 */
public record HardExample(int index, String trueLabel, String predictedLabel, double probability, double loss,
                          int[] shape, float[] features) implements java.io.Serializable {

    public HardExample {
        shape = shape.clone();
        features = features.clone();
        long length = 1;
        for (int d : shape) {
            length *= d;
        }
        if (length != features.length) {
            throw new IllegalArgumentException("example " + index + ": " + features.length
                    + " feature values do not fit shape " + Arrays.toString(shape));
        }
    }

    /** Whether the prediction is a class that differs from the true one (regression: always false). */
    public boolean misclassified() {
        return !Double.isNaN(probability) && !trueLabel.equals(predictedLabel);
    }
}
