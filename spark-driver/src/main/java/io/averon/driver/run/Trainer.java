package io.averon.driver.run;

import io.averon.core.train.TrainingListener;
import io.averon.driver.data.TrainingInput;

import java.util.List;

/**
 * Trains a model on a {@link TrainingInput}: in this JVM ({@link LocalEngine}) or on Spark
 * ({@code io.averon.driver.training.SparkEngine}). Both emit the same events to the listeners, in
 * order: {@link RunListener#onRunStart}, the {@link TrainingListener} events of every epoch, then
 * {@link RunListener#onRunEnd} (or {@link RunListener#onRunFailed}). What a run leaves behind is up
 * to its listeners: {@link RunOutput} writes checkpoints, metrics.json, report.html and model.zip.
 *
 * <pre>{@code
 * Trainer trainer = new LocalEngine(TrainingConfig.builder().epochs(5).build());
 * Trained trained = trainer.fit(TrainingInput.of(dataSpec), ModelSource.of(ModelSpec.parse("mlp"), updater));
 * }</pre>
 */
public interface Trainer {

    /** {@code "local"} or {@code "spark"}, as metrics.json records it. */
    String engine();

    /**
     * Builds the model {@code model} makes for the input's data (or continues a resumed one) and
     * trains it.
     *
     * @throws io.averon.core.InvalidInputException for bad input or settings, before training starts
     */
    Trained fit(TrainingInput input, ModelSource model, List<? extends TrainingListener> listeners);

    /** {@link #fit(TrainingInput, ModelSource, List)} with these listeners. */
    default Trained fit(TrainingInput input, ModelSource model, TrainingListener... listeners) {
        return fit(input, model, List.of(listeners));
    }
}
