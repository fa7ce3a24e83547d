package io.averon.driver.run;

import io.averon.core.report.HardExample;
import io.averon.core.train.TrainingListener;

import java.util.List;

/**
 * A {@link TrainingListener} that also hears the run around the epochs: its start (data facts,
 * starting model, settings), its end with the trained model, or its failure. Called on the thread
 * that called {@link Trainer#fit}.
 */
public interface RunListener extends TrainingListener {

    /** Before the first epoch, once the data and the model are known and checked. */
    default void onRunStart(RunStart start) {
    }

    /**
     * After training, before {@code fit} returns.
     *
     * @param hardExamples finds the trained model's highest-loss held-out examples (where the data
     *                     is; it may run a Spark job), asked only by a listener that wants them
     */
    default void onRunEnd(Trained trained, HardExamplesFinder hardExamples) {
    }

    /** When training fails after {@link #onRunStart} (or before it, for a failure in the engine's set-up). */
    default void onRunFailed(RuntimeException failure) {
    }

    /** The highest-loss held-out examples of the trained model. */
    interface HardExamplesFinder {
        List<HardExample> find(int count);
    }
}
