package io.averon.driver.run;

import io.averon.core.train.TrainingListener;

import java.util.List;

/**
 * An engine's side of the listeners of one {@link Trainer#fit}: the training events go to all of
 * them ({@link #training()}), the run events to those that are {@link RunListener}s, in order.
 */
public final class RunEvents {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RunEvents.class);

    private final List<RunListener> runListeners;
    private final TrainingListener training;

    public RunEvents(List<? extends TrainingListener> listeners) {
        this.runListeners = listeners.stream().filter(RunListener.class::isInstance).map(RunListener.class::cast)
                .toList();
        this.training = TrainingListener.all(listeners);
    }

    /** The training events, for the engine's training loop. */
    public TrainingListener training() {
        return training;
    }

    public void started(RunStart start) {
        LOG.info("effective configuration: {}", start.settings());
        runListeners.forEach(l -> l.onRunStart(start));
    }

    public void ended(Trained trained, RunListener.HardExamplesFinder hardExamples) {
        runListeners.forEach(l -> l.onRunEnd(trained, hardExamples));
    }

    /** Tells every run listener, then returns {@code failure} for the engine to rethrow. */
    public RuntimeException failed(RuntimeException failure) {
        for (RunListener l : runListeners) {
            try {
                l.onRunFailed(failure);
            } catch (RuntimeException e) {
                failure.addSuppressed(e);
            }
        }
        return failure;
    }
}
