package io.averon.core.train;

import io.averon.core.model.AveronModel;

import java.util.List;

/**
 * Events of a training run, in order: {@code onTrainingStart}, then per epoch
 * {@code onBatchEnd}... {@code onEpochEnd}, {@code onEpochModel}, then {@code onTrainingEnd}. Both
 * engines emit them on the thread that called {@code fit} (the Spark engine: the driver's, with the
 * averaged model and the workers' merged metrics; it has no per-minibatch events). Keep handlers
 * short. Progress bars, checkpoints and early stopping are listeners.
 */
public interface TrainingListener {

    /** Nothing to do. */
    TrainingListener NONE = new TrainingListener() {
    };

    /** Before the first epoch. */
    default void onTrainingStart(int epochs, int batchesPerEpoch, long trainExamples) {
    }

    /** After each minibatch step. {@code batch} is 1-based within the epoch. */
    default void onBatchEnd(int epoch, int batch, int batchesPerEpoch, double loss) {
    }

    /** After each epoch's evaluation. */
    default void onEpochEnd(EpochRecord record) {
    }

    /**
     * After {@link #onEpochEnd}: the model as it stands after the epoch (the Spark engine's is the
     * averaged model). It keeps training: copy what you keep.
     */
    default void onEpochModel(EpochRecord record, AveronModel model) {
    }

    /** Asked after each epoch's events: true ends training after this epoch (early stopping). */
    default boolean stopRequested() {
        return false;
    }

    /** Once, after the last epoch (early stopping included). */
    default void onTrainingEnd(TrainingResult result) {
    }

    /** All of {@code listeners}, called in order; training stops when any of them asks. */
    static TrainingListener all(List<? extends TrainingListener> listeners) {
        List<TrainingListener> all = List.copyOf(listeners);
        return new TrainingListener() {
            @Override
            public void onTrainingStart(int epochs, int batchesPerEpoch, long trainExamples) {
                all.forEach(l -> l.onTrainingStart(epochs, batchesPerEpoch, trainExamples));
            }

            @Override
            public void onBatchEnd(int epoch, int batch, int batchesPerEpoch, double loss) {
                all.forEach(l -> l.onBatchEnd(epoch, batch, batchesPerEpoch, loss));
            }

            @Override
            public void onEpochEnd(EpochRecord record) {
                all.forEach(l -> l.onEpochEnd(record));
            }

            @Override
            public void onEpochModel(EpochRecord record, AveronModel model) {
                all.forEach(l -> l.onEpochModel(record, model));
            }

            @Override
            public boolean stopRequested() {
                return all.stream().anyMatch(TrainingListener::stopRequested);
            }

            @Override
            public void onTrainingEnd(TrainingResult result) {
                all.forEach(l -> l.onTrainingEnd(result));
            }
        };
    }
}
