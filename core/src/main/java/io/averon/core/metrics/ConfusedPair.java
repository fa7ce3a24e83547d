package io.averon.core.metrics;

/**
 * An off-diagonal cell of a confusion matrix: {@code count} examples of class {@code actual} were
 * predicted as class {@code predicted}.
 *
 * @param actual    the true class index
 * @param predicted the predicted class index (never equal to {@code actual})
 * @param count     how many examples fell into the cell
 */
public record ConfusedPair(int actual, int predicted, long count) {
}
