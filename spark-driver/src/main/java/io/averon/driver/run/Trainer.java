package io.averon.driver.run;

import io.averon.core.train.LrFinder;
import io.averon.core.train.TrainingListener;
import io.averon.driver.data.TrainingInput;

import java.util.List;

/**
 * Trains a model on a {@link TrainingInput}: in this JVM ({@link LocalEngine}) or on Spark
 * ({@code io.averon.driver.training.SparkEngine}). Both emit the same events to the listeners, in
 * order: {@link RunListener#onRunStart}, the {@link TrainingListener} events of every epoch, then
 * {@link RunListener#onRunEnd} (or {@link RunListener#onRunFailed}). What a run leaves behind is up
 * to its listeners: {@link RunOutput} writes checkpoints, metrics.json, report.html and model.zip.
 * An engine also runs the learning-rate range test on the same inputs ({@link #findLearningRate}).
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

    /**
     * Runs the learning-rate range test ({@link LrFinder}) for the model {@code model} makes for the
     * input's data, reading the input as {@link #fit} would: in this JVM, one test on the training
     * part; on Spark, one test per worker on its shard of the training part, the curves averaged.
     * {@code config}'s seed splits the data, draws a new model's initial weights and orders the
     * minibatches; nothing is trained and nothing is written.
     *
     * <pre>{@code
     * LrFindResult found = trainer.findLearningRate(TrainingInput.of(dataSpec), model,
     *         LrFinder.Config.builder().batchSize(64).build());
     * double rate = found.curve().suggestedRate();
     * }</pre>
     *
     * @throws io.averon.core.InvalidInputException for bad input or settings (an input this engine
     *                                              cannot read, a model that does not fit the data)
     */
    LrFindResult findLearningRate(TrainingInput input, ModelSource model, LrFinder.Config config);
}
