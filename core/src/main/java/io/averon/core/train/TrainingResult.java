package io.averon.core.train;

import java.util.List;

/**
 * The outcome of a training run.
 *
 * @param epochs       per-epoch records, in order
 * @param finalMetrics metrics of the returned model on the held-out split
 * @param bestEpoch    the epoch whose parameters the model holds (the last, or the best one
 *                     when early stopping restored it)
 * @param stoppedEarly whether early stopping ended the run before the configured epochs
 */
public record TrainingResult(List<EpochRecord> epochs, EvaluationResult finalMetrics, int bestEpoch,
                             boolean stoppedEarly) {

    public TrainingResult {
        epochs = List.copyOf(epochs);
    }
}
