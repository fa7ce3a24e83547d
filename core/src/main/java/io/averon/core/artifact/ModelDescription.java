package io.averon.core.artifact;

import io.averon.core.data.Normalizer;
import io.averon.core.data.SplitSpec;

import java.util.List;
import java.util.Map;

/**
 * What the trainer knows about a model that the model itself does not: stored in its manifest.
 *
 * @param classNames class names (empty for regression)
 * @param inputShape shape of one example
 * @param normalizer normalisation fitted on the training split
 * @param split      how the held-out split was made
 * @param training   the training configuration, for provenance
 * @param seed       the run's seed
 * @param data       data provenance
 */
public record ModelDescription(List<String> classNames, int[] inputShape, Normalizer normalizer, SplitSpec split,
                               Map<String, Object> training, long seed, Manifest.DataProvenance data) {
}
