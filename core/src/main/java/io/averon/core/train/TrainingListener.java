package io.averon.core.train;

/**
 * Events of a training run, in order: {@code onTrainingStart}, then per epoch
 * {@code onBatchEnd}... {@code onEpochEnd}, then {@code onTrainingEnd}. Called on the training
 * thread: keep handlers short. The CLI's progress bar and summary lines are listeners, and the
 * Spark driver emits the same events.
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

    /** Once, after the last epoch (early stopping included). */
    default void onTrainingEnd(TrainingResult result) {
    }
}
