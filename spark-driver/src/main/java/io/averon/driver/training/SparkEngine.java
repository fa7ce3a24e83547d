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
import io.averon.core.train.LrFinder;
import io.averon.core.train.TrainingListener;
import io.averon.core.train.TrainingResult;
import io.averon.driver.data.AveronDataset;
import io.averon.driver.data.InputFacts;
import io.averon.driver.data.SparkData;
import io.averon.driver.data.TrainingInput;
import io.averon.driver.run.LrFindResult;
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
 * already in Spark ({@link SparkData}), and runs the learning-rate range test on the same inputs
 * ({@link SparkLrFinder}).
 *
 * <pre>{@code
 * Trainer trainer = new SparkEngine(spark, SparkTrainingConfig.builder(training).workers(4).build());
 * }</pre>
 */
public final class SparkEngine implements Trainer {

    private final SparkSession spark;
    private final SparkTrainingConfig config;
    private final JobIdentity identity;

    /** With the parameter server in this driver (or none, with sharded averaging). */
    public SparkEngine(SparkSession spark, SparkTrainingConfig config) {
        this(spark, config, null);
    }

    /**
     * @param identity the job's name and secret, as an external parameter server ({@code averon ps})
     *                 was started with
     */
    public SparkEngine(SparkSession spark, SparkTrainingConfig config, JobIdentity identity) {
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
        try {
            Prepared data = prepare(sc, input, config.training().seed());
            Run run = new Run(input, model, data.facts(), events);
            if (data instanceof OnFiles files) {
                SparkTrainer.Result result = trainer.fit(files.spec(), files.view(), run.start.model(), run.resume(),
                        identity, run);
                return run.end(result, count -> HardExamples.find(result.model(), files.view().test(), count));
            }
            OnSpark records = (OnSpark) data;
            return inSpark(sc, trainer, records.data(), records.summary(), run);
        } catch (RuntimeException e) {
            throw events.failed(e);
        }
    }

    /**
     * The range test on Spark ({@link SparkLrFinder}): the configured number of workers (0: the task
     * slots the cluster offers, capped by the training examples), each on its shard of the training
     * part; no parameter server is involved.
     */
    @Override
    public LrFindResult findLearningRate(TrainingInput input, ModelSource model, LrFinder.Config test) {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Prepared data = prepare(sc, input, test.seed());
        AveronModel start = model.build(data.facts(), test.seed()).model();
        SparkLrFinder finder = new SparkLrFinder(sc, test, config.workers());
        SparkLrFinder.Result result;
        if (data instanceof OnFiles files) {
            result = finder.find(files.spec(), files.view(), start);
        } else {
            OnSpark records = (OnSpark) data;
            result = records.summary() == null ? finder.find(records.data(), start)
                    : finder.find(records.data(), records.summary(), start);
        }
        return new LrFindResult(result.curve(), result.workerCurves(), data.facts());
    }

    /**
     * Reads what the driver needs to know of {@code input} (files: the driver's own copy; a Parquet
     * data set: its metadata and the split made in Spark; data in Spark: one validation job) and
     * refuses a data set loaded in this JVM.
     *
     * @param seed splits files, and an imported data set that has no split
     */
    private Prepared prepare(JavaSparkContext sc, TrainingInput input, long seed) {
        if (input instanceof TrainingInput.Files files) {
            TrainTestData view = DataSources.loadForTraining(files.spec(), seed); // sizes, classes, shape
            return new OnFiles(files.spec(), view, InputFacts.of(view, files.spec().source()));
        }
        if (input instanceof TrainingInput.Imported imported) {
            DataSpec spec = imported.spec();
            AveronDataset.Metadata meta = AveronDataset.metadata(imported.dataset());
            String fingerprint = AveronDataset.fingerprint(imported.dataset());
            AveronDataset.Training data = AveronDataset.forTraining(spark, imported.dataset(),
                    new SplitSpec(spec.splitKind(), spec.validationSplit(), seed));
            InputFacts facts = new InputFacts(meta.classNames(), meta.shape(), data.normalizer(), data.split(),
                    new Manifest.DataProvenance(spec.source(), fingerprint, data.trainSize(), data.testSize()));
            return new OnSpark(data.data(), null, facts);
        }
        if (input instanceof TrainingInput.InSpark inSpark) {
            SparkData data = inSpark.data();
            RecordSharding.Summary summary = RecordSharding.validate(sc, data);
            InputFacts facts = new InputFacts(data.classNames(), summary.shape(), Normalizer.none(),
                    SplitSpec.provided(), new Manifest.DataProvenance(inSpark.source(),
                    null, summary.trainTotal(), summary.testTotal()));
            return new OnSpark(data, summary, facts);
        }
        throw new InvalidInputException("a data set loaded in this JVM trains with the local engine; hand it to "
                + "Spark as SparkData.fromDataSets(...) to train it here");
    }

    /** An input as this engine reads it, with the facts the model is built for. */
    private sealed interface Prepared permits OnFiles, OnSpark {
        InputFacts facts();
    }

    /** Files every executor reads itself; {@code view} is the driver's copy (sizes, classes, shape, held-out rows). */
    private record OnFiles(DataSpec spec, TrainTestData view, InputFacts facts) implements Prepared {
    }

    /** Data in Spark; {@code summary} is null when it is validated only with the model (an imported data set). */
    private record OnSpark(SparkData data, RecordSharding.Summary summary, InputFacts facts) implements Prepared {
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
