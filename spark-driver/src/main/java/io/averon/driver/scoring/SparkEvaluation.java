package io.averon.driver.scoring;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.averon.core.AveronException;
import io.averon.core.InvalidInputException;
import io.averon.core.artifact.Manifest;
import io.averon.core.artifact.ModelArtifact;
import io.averon.core.data.DataSpec;
import io.averon.core.model.AveronModel;
import io.averon.core.train.EvaluationResult;
import org.apache.spark.api.java.JavaSparkContext;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * A model's metrics on the held-out split of a data set, computed in Spark tasks: each task reads
 * the data and evaluates its range ({@link EvaluationTask}), and the driver merges the mergeable
 * partial metrics into what one process would compute.
 */
public final class SparkEvaluation {

    private static final ObjectMapper JSON = new ObjectMapper();

    private SparkEvaluation() {
    }

    /**
     * Evaluates {@code artifact}'s model on the held-out split of {@code spec} (as the model saw
     * it: same classes, split and normalisation) in {@code partitions} Spark tasks; each reads the
     * data and evaluates its range, and the driver merges the partial metrics.
     */
    public static EvaluationResult evaluate(JavaSparkContext sc, ModelArtifact artifact, DataSpec spec, int partitions) {
        if (partitions < 1) {
            throw new InvalidInputException("partitions must be >= 1, got " + partitions);
        }
        Manifest m = artifact.manifest();
        AveronModel model = artifact.model();
        EvaluationTask task = new EvaluationTask(model.kind(), model.configurationJson(),
                model.params().toFloatVector(), spec, m.classNames(), m.inputShape(), m.normalizer(), m.split(),
                partitions, io.averon.core.model.ModelSpec.hasConvolutionLayers(model.configurationJson()));
        sc.setJobGroup("averon-evaluate", "averon evaluate on " + partitions + " partitions", true);
        List<String> states;
        try {
            states = sc.parallelize(IntStream.range(0, partitions).boxed().toList(), partitions)
                    .mapPartitionsWithIndex(task, false).collect();
        } finally {
            sc.clearJobGroup();
        }
        EvaluationResult merged = null;
        for (String state : states) {
            try {
                EvaluationResult part = EvaluationResult.fromState(
                        JSON.readValue(state, new TypeReference<Map<String, Object>>() { }),
                        m.classNames());
                merged = merged == null ? part : merged.merge(part);
            } catch (IOException e) {
                throw new AveronException("unreadable partial metrics: " + e.getMessage(), e);
            }
        }
        return merged;
    }
}
