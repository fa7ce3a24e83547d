package io.averon.driver.run;

import io.averon.core.InvalidInputException;
import io.averon.core.data.DataSources;
import io.averon.core.data.TrainTestData;
import io.averon.core.report.HardExamples;
import io.averon.core.train.LocalTrainer;
import io.averon.core.train.LrCurve;
import io.averon.core.train.LrFinder;
import io.averon.core.train.TrainingConfig;
import io.averon.core.train.TrainingListener;
import io.averon.core.train.TrainingResult;
import io.averon.driver.data.InputFacts;
import io.averon.driver.data.TrainingInput;

import java.util.List;
import java.util.Map;

/**
 * The local engine: trains in this JVM ({@link LocalTrainer}) on files, or on a data set already
 * loaded, and runs the learning-rate range test ({@link LrFinder}) on them; data in Spark and
 * imported Parquet data sets train with the Spark engine.
 */
public final class LocalEngine implements Trainer {

    private final TrainingConfig config;

    public LocalEngine(TrainingConfig config) {
        this.config = config;
    }

    @Override
    public String engine() {
        return "local";
    }

    @Override
    public Trained fit(TrainingInput input, ModelSource model, List<? extends TrainingListener> listeners) {
        RunEvents events = new RunEvents(listeners);
        try {
            TrainTestData data = load(input, config.seed());
            InputFacts facts = facts(input, data);
            ModelSource.Start start = model.build(facts, config.seed());
            events.started(new RunStart(facts, start.model(), start.epochsDone(), config.seed(),
                    RunSettings.of(engine(), input, model, config, facts, Map.of())));
            TrainingResult result = new LocalTrainer(config).fit(start.model(), data.train(), data.test(),
                    start.epochsDone(), events.training());
            Trained trained = new Trained(start.model(), result, facts, 1);
            events.ended(trained, count -> HardExamples.find(trained.model(), data.test(), count));
            return trained;
        } catch (RuntimeException e) {
            throw events.failed(e);
        }
    }

    /** The range test ({@link LrFinder}) in this JVM, on the training part. */
    @Override
    public LrFindResult findLearningRate(TrainingInput input, ModelSource model, LrFinder.Config test) {
        TrainTestData data = load(input, test.seed());
        InputFacts facts = facts(input, data);
        LrCurve curve = new LrFinder(test).run(model.build(facts, test.seed()).model(), data.train());
        return new LrFindResult(curve, List.of(), facts);
    }

    /** The input's data, split with {@code seed}; refuses the inputs only the Spark engine reads. */
    private static TrainTestData load(TrainingInput input, long seed) {
        if (input instanceof TrainingInput.Files files) {
            return DataSources.loadForTraining(files.spec(), seed);
        }
        if (input instanceof TrainingInput.InMemory memory) {
            return memory.data();
        }
        if (input instanceof TrainingInput.Imported imported) {
            throw new InvalidInputException(imported.dataset() + " is a Parquet data set (averon import): the spark "
                    + "engine reads it in the executors; drop --engine local");
        }
        throw new InvalidInputException("data in Spark (" + input.source() + ") trains with the spark "
                + "engine");
    }

    private static InputFacts facts(TrainingInput input, TrainTestData data) {
        return InputFacts.of(data, input.source());
    }
}
