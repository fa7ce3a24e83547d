package io.averon.core.artifact;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.averon.core.data.Normalizer;
import io.averon.core.data.SplitSpec;
import io.averon.core.model.AveronModel;

import java.util.List;
import java.util.Map;

/**
 * {@code manifest.json} of a model artifact: what the model is, how to feed it, and where it
 * came from (provenance).
 *
 * @param format         always {@value ModelArtifact#FORMAT}
 * @param formatVersion  layout version; a reader refuses versions it does not know
 * @param modelKind      which DL4J model type the configuration builds
 * @param classNames     class names (empty for regression)
 * @param inputShape     shape of one example, e.g. {@code [1, 28, 28]}
 * @param normalizer     normalisation to apply to raw inputs
 * @param split          how the held-out split was made (so evaluation can recreate it)
 * @param parameterCount number of float32 parameters
 * @param training       the training configuration (model, optimiser, epochs, batch size, ...)
 * @param seed           the run's seed
 * @param data           data provenance
 * @param versions       Averon, DL4J, ND4J and Java versions that wrote the model
 * @param created        ISO-8601 creation time
 * @param entries        SHA-256 (hex) of every other entry, by entry name
 */
public record Manifest(
        String format,
        @JsonProperty("format_version") int formatVersion,
        @JsonProperty("model_kind") AveronModel.Kind modelKind,
        @JsonProperty("class_names") List<String> classNames,
        @JsonProperty("input_shape") int[] inputShape,
        Normalizer normalizer,
        SplitSpec split,
        @JsonProperty("parameter_count") long parameterCount,
        Map<String, Object> training,
        long seed,
        DataProvenance data,
        Map<String, String> versions,
        String created,
        Map<String, String> entries) {

    /** Whether the model predicts classes (otherwise: one real value). */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public boolean isClassification() {
        return classNames != null && !classNames.isEmpty();
    }

    /**
     * Where the training data came from.
     *
     * @param source        what the user passed as data
     * @param fingerprint   SHA-256 of the training split after normalisation
     * @param trainExamples examples trained on
     * @param testExamples  examples held out
     */
    public record DataProvenance(String source, String fingerprint,
                                 @JsonProperty("train_examples") long trainExamples,
                                 @JsonProperty("test_examples") long testExamples) {
    }
}
