package io.averon.core.data;

/**
 * What a trainer consumes: a training split and the held-out split that plays the test set.
 *
 * @param train     examples to fit on
 * @param test      held-out examples for per-epoch evaluation and the final metrics
 * @param normalizer the normalisation fitted on {@code train} (already applied to both splits)
 * @param split     how {@code test} was obtained, so {@code evaluate} can recreate it exactly
 */
public record TrainTestData(ArrayDataSet train, ArrayDataSet test, Normalizer normalizer, SplitSpec split) {
}
