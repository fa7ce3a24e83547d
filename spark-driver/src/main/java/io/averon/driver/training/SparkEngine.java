package io.averon.driver.training;

import io.averon.core.InvalidInputException;
import io.averon.core.artifact.Manifest;
import io.averon.core.data.DataSources;
import io.averon.core.data.DataSpec;
import io.averon.core.data.Normalizer;
import io.averon.core.data.SplitSpec;
import io.averon.core.data.TrainTestData;
import io.averon.core.model.AveronModel;
import io.averon.core.report.HardExamples;
import io.averon.core.train.EpochRecord;
import io.averon.core.train.TrainingListener;
import io.averon.core.train.TrainingResult;
import io.averon.driver.data.AveronDataset;
import io.averon.driver.data.InputFacts;
import io.averon.driver.data.SparkData;
import io.averon.driver.data.TrainingInput;
import io.averon.driver.run.ModelSource;
import io.averon.driver.run.RunEvents;
import io.averon.driver.run.RunListener;
import io.averon.driver.run.RunSettings;
import io.averon.driver.run.RunStart;
import io.averon.driver.run.Trained;
import io.averon.driver.run.Trainer;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

import java.util.List;

/**
 * The Spark engine: trains in one barrier stage of the given session, one replica per worker,
 * averaged through the parameter server or among the workers ({@link SparkTrainer}). It reads files
 * (each executor reads its shard), Parquet data sets written by {@code averon import}, and data
 * already in Spark ({@link SparkData}).
 *
 * <pre>{@code
 * Trainer trainer = new SparkEngine(spark, SparkTrainingConfig.builder(training).workers(4).build());
 * }</pre>
 */
public final class SparkEngine implements Trainer {

    private final SparkSession spark;
    private final SparkTrainingConfig config;
    private final SparkTrainer.JobIdentity identity;

    /** With the parameter server in this driver (or none, with sharded averaging). */
    public SparkEngine(SparkSession spark, SparkTrainingConfig config) {
        this(spark, config, null);
    }

    /**
     * @param identity the job's name and secret, as an external parameter server ({@code averon ps})
     *                 was started with
     */
    public SparkEngine(SparkSession spark, SparkTrainingConfig config, SparkTrainer.JobIdentity identity) {
        this.spark = spark;
        this.config = config;
        this.identity = identity;
        if (config.parameterServer() != null && identity == null) {
            throw new InvalidInputException("an external parameter server (--ps) needs the job's --secret-file and --job");
        }
    }

    @Override
    public String engine() {
        return "spark";
    }

    @Override
    public Trained fit(TrainingInput input, ModelSource model, List<? extends TrainingListener> listeners) {
        RunEvents events = new RunEvents(listeners);
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        SparkTrainer trainer = new SparkTrainer(sc, config);
        long seed = config.training().seed();
        try {
            if (input instanceof TrainingInput.Files files) {
                TrainTestData view = DataSources.loadForTraining(files.spec(), seed); // sizes, classes, shape
                InputFacts facts = InputFacts.of(view, files.spec().source());
                Run run = new Run(input, model, facts, events);
                SparkTrainer.Result result = trainer.fit(files.spec(), view, run.start.model(), run.resume(), identity,
                        run);
                return run.end(result, count -> HardExamples.find(result.model(), view.test(), count));
            }
            if (input instanceof TrainingInput.Imported imported) {
                DataSpec spec = imported.spec();
                AveronDataset.Metadata meta = AveronDataset.metadata(imported.dataset());
                String fingerprint = AveronDataset.fingerprint(imported.dataset());
                AveronDataset.Training data = AveronDataset.forTraining(spark, imported.dataset(),
                        new SplitSpec(spec.splitKind(), spec.validationSplit(), seed));
                InputFacts facts = new InputFacts(meta.classNames(), meta.shape(), data.normalizer(), data.split(),
                        new Manifest.DataProvenance(spec.source(), fingerprint, data.trainSize(), data.testSize()));
                return inSpark(sc, trainer, data.data(), null, new Run(input, model, facts, events));
            }
            if (input instanceof TrainingInput.InSpark inSpark) {
                SparkData data = inSpark.data();
                RecordSharding.Summary summary = RecordSharding.validate(sc, data);
                InputFacts facts = new InputFacts(data.classNames(), summary.shape(), Normalizer.none(),
                        SplitSpec.provided(), new Manifest.DataProvenance(inSpark.settings().get("data").toString(),
                        null, summary.trainTotal(), summary.testTotal()));
                return inSpark(sc, trainer, data, summary, new Run(input, model, facts, events));
            }
            throw new InvalidInputException("a data set loaded in this JVM trains with the local engine; hand it to "
                    + "Spark as SparkData.fromDataSets(...) to train it here");
        } catch (RuntimeException e) {
            throw events.failed(e);
        }
    }

    private Trained inSpark(JavaSparkContext sc, SparkTrainer trainer, SparkData data, RecordSharding.Summary summary,
                            Run run) {
        SparkTrainer.Result result = summary == null
                ? trainer.fit(data, run.start.model(), run.resume(), identity, run)
                : trainer.fit(data, summary, run.start.model(), run.resume(), identity, run);
        // the held-out rows live in the executors: the highest-loss examples are found there
        return run.end(result, count -> SparkHardExamples.find(sc, data, result.model(), count));
    }

    /** One fit: the model it starts from, and the events it sends once the worker count is known. */
    private final class Run implements SparkTrainer.EpochListener {
        private final TrainingInput input;
        private final ModelSource source;
        private final InputFacts facts;
        private final RunEvents events;
        private final ModelSource.Start start;

        Run(TrainingInput input, ModelSource source, InputFacts facts, RunEvents events) {
            this.input = input;
            this.source = source;
            this.facts = facts;
            this.events = events;
            this.start = source.build(facts, config.training().seed());
        }

        SparkTrainer.Resume resume() {
            return start.epochsDone() == 0 ? null : new SparkTrainer.Resume(start.epochsDone(),
                    ModelVectors.of(start.model()));
        }

        @Override
        public void onPlan(int workers) {
            events.started(new RunStart(facts, start.model(), start.epochsDone(), config.training().seed(),
                    RunSettings.of(engine(), input, source, config.training(), facts, config.settings(workers))));
        }

        @Override
        public void onTrainingStart(int epochs, int batchesPerEpoch, long trainExamples) {
            events.training().onTrainingStart(epochs, batchesPerEpoch, trainExamples);
        }

        @Override
        public void onEpochEnd(EpochRecord record) {
            events.training().onEpochEnd(record);
        }

        @Override
        public void onEpochModel(EpochRecord record, AveronModel model) {
            events.training().onEpochModel(record, model);
        }

        @Override
        public boolean stopRequested() {
            return events.training().stopRequested();
        }

        @Override
        public void onTrainingEnd(TrainingResult result) {
            events.training().onTrainingEnd(result);
        }

        Trained end(SparkTrainer.Result result, RunListener.HardExamplesFinder hardExamples) {
            Trained trained = new Trained(result.model(), result.training(), facts, result.workers());
            events.ended(trained, hardExamples);
            return trained;
        }
    }
}
