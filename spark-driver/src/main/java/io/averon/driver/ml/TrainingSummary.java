package io.averon.driver.ml;

import io.averon.core.train.EpochRecord;
import io.averon.core.train.EvaluationResult;
import io.averon.core.train.TrainingResult;

import java.io.Serializable;
import java.util.List;
import java.util.Map;

/**
 * What fitting an Averon estimator recorded: one entry per epoch, the held-out metrics of the
 * returned model, and the epoch whose parameters it holds.
 *
 * @param epochs       per-epoch entries, in order
 * @param finalMetrics the returned model's metrics on the held-out rows, as metrics.json's {@code final}
 * @param bestEpoch    the epoch whose parameters the model holds
 * @param workers      training tasks that trained it
 */
public record TrainingSummary(List<Epoch> epochs, Map<String, Object> finalMetrics, int bestEpoch, int workers)
        implements Serializable {

    public TrainingSummary {
        epochs = List.copyOf(epochs);
        finalMetrics = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(finalMetrics));
    }

    /**
     * One epoch.
     *
     * @param epoch            1-based
     * @param trainLoss        mean minibatch loss over the epoch
     * @param validationLoss   loss on the held-out rows at the epoch's end
     * @param validationMetric accuracy on the held-out rows (classifier) or their mean squared error (regressor)
     * @param metrics          every figure of the epoch, as metrics.json records it
     */
    public record Epoch(int epoch, double trainLoss, double validationLoss, double validationMetric,
                        Map<String, Object> metrics) implements Serializable {
    }

    static TrainingSummary of(TrainingResult result, int workers) {
        List<Epoch> epochs = result.epochs().stream().map(TrainingSummary::epoch).toList();
        return new TrainingSummary(epochs, result.finalMetrics().toJson(), result.bestEpoch(), workers);
    }

    private static Epoch epoch(EpochRecord record) {
        EvaluationResult test = record.test();
        double metric = test.isClassification() ? test.accuracy() : test.regression().mse();
        Map<String, Object> values = new java.util.LinkedHashMap<>();
        record.toJson().forEach((k, v) -> {
            if (v != null) {
                values.put(k, v);
            }
        });
        return new Epoch(record.epoch(), record.trainLoss(), test.loss(), metric, values);
    }
}
