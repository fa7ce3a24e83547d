package io.averon.benchmarks;

import io.averon.core.data.DataSources;
import io.averon.core.data.DataSpec;
import io.averon.core.data.TrainTestData;
import io.averon.core.model.AveronModel;
import io.averon.core.model.ModelFactory;
import io.averon.core.model.ModelSpec;
import io.averon.core.model.UpdaterSpec;
import io.averon.core.runtime.NativeRuntime;
import io.averon.core.runtime.NativeSettings;
import io.averon.core.train.EpochRecord;
import io.averon.core.train.Evaluator;
import io.averon.core.train.LocalTrainer;
import io.averon.core.train.MinibatchFeeder;
import io.averon.core.train.TrainingConfig;
import io.averon.core.train.TrainingListener;
import io.averon.driver.training.SparkEngine;
import io.averon.driver.data.TrainingInput;
import io.averon.driver.run.ModelSource;
import org.apache.spark.sql.SparkSession;
import io.averon.driver.training.SparkTrainingConfig;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.linalg.dataset.DataSet;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Distributed training on one Spark context, all in one run on the same data (Fashion-MNIST) and
 * model (the {@code mlp} preset, Adam 1e-3, batch 128 per worker): the local engine, Averon's
 * Spark engine with 1 and 2 workers (sync per epoch and every 5 minibatches), and Deeplearning4j's
 * own {@code ParameterAveragingTrainingMaster} at the same two averaging frequencies. For each:
 * training examples/s (median epoch after the first) and training seconds until the test accuracy
 * first reaches the target. Ratios are against the DL4J master at the same sync frequency. The DL4J
 * master averaging every 5 minibatches runs one Spark job per round (~4 min per epoch here), so it
 * runs 2 epochs only: its time to the target is then a lower bound (its epochs so far summed).
 *
 * <p>Usage: {@code SparkTrainingBenchmark [epochs=8] [target=0.87]}; classpath: the benchmarks
 * module's jar and {@code target/lib}.
 */
public final class SparkTrainingBenchmark {

    private static final int BATCH = 128;

    /** One configuration's outcome. */
    private record Outcome(String name, double examplesPerSecond, int epochReached, double secondsToTarget,
                           double finalAccuracy, List<Double> accuracies, double totalSeconds) {
    }

    private SparkTrainingBenchmark() {
    }

    public static void main(String[] args) {
        int epochs = args.length > 0 ? Integer.parseInt(args[0]) : 8;
        double target = args.length > 1 ? Double.parseDouble(args[1]) : 0.87;
        DataSpec spec = DataSpec.builder(DataSpec.FASHION_MNIST).build();
        int cores = Runtime.getRuntime().availableProcessors();
        NativeRuntime.configure(new NativeSettings(cores, false));
        TrainTestData data = DataSources.loadForTraining(spec, 42);
        // Adam at a constant 1e-3, as measured in docs/benchmarks.md (the mlp preset's default is now 2e-3 with a
        // linear decay; a constant rate keeps the engines comparable epoch by epoch)
        UpdaterSpec adam = UpdaterSpec.adam(1e-3);
        TrainingConfig training = TrainingConfig.builder().epochs(epochs).batchSize(BATCH).seed(42).build();
        List<Outcome> outcomes = new ArrayList<>();

        outcomes.add(local(data, training, adam, target));
        NativeRuntime.configure(new NativeSettings(1, false)); // one native thread per Spark task from here on
        SparkConf conf = new SparkConf().setMaster("local[" + cores + "]").setAppName("averon-benchmark")
                .set("spark.ui.enabled", "false").set("spark.barrier.sync.timeout", "600");
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            sc.setLogLevel("WARN");
            outcomes.add(averon(sc, spec, data, training, adam, 1, 0, target, "Averon spark, 1 worker, sync per epoch"));
            outcomes.add(averon(sc, spec, data, training, adam, 2, 0, target, "Averon spark, 2 workers, sync per epoch"));
            outcomes.add(averon(sc, spec, data, training, adam, 2, 5, target, "Averon spark, 2 workers, sync every 5"));
            int perEpoch = (data.train().size() / 2 + BATCH - 1) / BATCH;
            outcomes.add(dl4j(sc, data, adam, epochs, 2, perEpoch, target, "DL4J ParameterAveragingTrainingMaster, 2 workers, "
                    + "averaging per epoch (" + perEpoch + ")"));
            // one Spark job per averaging round: ~4 minutes per epoch here, so only 2 epochs (enough for examples/s)
            int fiveEpochs = Math.min(epochs, 2);
            outcomes.add(dl4j(sc, data, adam, fiveEpochs, 2, 5, target, "DL4J ParameterAveragingTrainingMaster, 2 workers, "
                    + "averaging every 5 (" + fiveEpochs + " epochs)"));
        }
        print(outcomes, target);
    }

    private static Outcome local(TrainTestData data, TrainingConfig training, UpdaterSpec adam, double target) {
        AveronModel model = ModelFactory.create(ModelSpec.parse("mlp"), data.train().exampleShape(), 10, adam, 42);
        List<EpochRecord> records = new LocalTrainer(training).fit(model, data.train(), data.test(), TrainingListener.NONE)
                .epochs();
        return outcome("Averon local engine (" + Runtime.getRuntime().availableProcessors() + " threads)", records,
                target);
    }

    private static Outcome averon(JavaSparkContext sc, DataSpec spec, TrainTestData data, TrainingConfig training,
                                  UpdaterSpec adam, int workers, int syncEvery, double target, String name) {
        AveronModel model = ModelFactory.create(ModelSpec.parse("mlp"), data.train().exampleShape(), 10, adam, 42);
        // --batch-size is global on Spark: BATCH per worker, like the DL4J master's batchSizePerWorker
        TrainingConfig perWorker = TrainingConfig.builder().epochs(training.epochs()).batchSize(BATCH * workers)
                .seed(training.seed()).build();
        SparkTrainingConfig config = SparkTrainingConfig.builder(perWorker).workers(workers).syncEvery(syncEvery)
                .driverHost("127.0.0.1").build();
        List<EpochRecord> records = new SparkEngine(SparkSession.builder().sparkContext(sc.sc()).getOrCreate(), config)
                .fit(TrainingInput.of(spec), ModelSource.of(model)).training().epochs();
        return outcome(name, records, target);
    }

    private static Outcome dl4j(JavaSparkContext sc, TrainTestData data, UpdaterSpec adam, int epochs, int workers,
                                int averagingFrequency, double target, String name) {
        AveronModel model = ModelFactory.create(ModelSpec.parse("mlp"), data.train().exampleShape(), 10, adam, 42);
        MultiLayerConfiguration conf = MultiLayerConfiguration.fromJson(model.configurationJson());
        // pre-batched DataSets of 128 examples, 2 partitions: DL4J's recommended layout
        List<DataSet> batches = new ArrayList<>();
        MinibatchFeeder feeder = new MinibatchFeeder(data.train(), BATCH);
        for (int start = 0; start < data.train().size(); start += BATCH) {
            int count = Math.min(BATCH, data.train().size() - start);
            MinibatchFeeder.Batch b = feeder.fill(null, start, count);
            batches.add(new DataSet(b.features().dup(), b.labels().dup()));
        }
        JavaRDD<DataSet> rdd = sc.parallelize(batches, workers);
        ParameterAveragingTrainingMaster master = new ParameterAveragingTrainingMaster.Builder(workers, BATCH)
                .batchSizePerWorker(BATCH).averagingFrequency(averagingFrequency).workerPrefetchNumBatches(0)
                .saveUpdater(true).rddTrainingApproach(RDDTrainingApproach.Direct).build();
        SparkDl4jMultiLayer spark = new SparkDl4jMultiLayer(sc, conf, master);
        List<EpochRecord> records = new ArrayList<>();
        for (int epoch = 1; epoch <= epochs; epoch++) {
            long started = System.nanoTime();
            MultiLayerNetwork trained = spark.fit(rdd);
            double seconds = (System.nanoTime() - started) / 1e9;
            AveronModel averaged = AveronModel.of(trained);
            records.add(new EpochRecord(epoch, trained.score(), null, Evaluator.evaluate(averaged, data.test()),
                    data.train().size(), seconds));
            System.err.printf(Locale.ROOT, "%s: epoch %d, %.1f s, test accuracy %.4f%n", name, epoch, seconds,
                    records.get(records.size() - 1).test().accuracy());
        }
        return outcome(name, records, target);
    }

    private static Outcome outcome(String name, List<EpochRecord> records, double target) {
        List<Double> rates = new ArrayList<>();
        List<Double> accuracies = new ArrayList<>();
        double seconds = 0;
        int reached = -1;
        double reachedSeconds = Double.NaN;
        for (EpochRecord r : records) {
            if (r.epoch() > 1) {
                rates.add(r.examplesPerSecond());
            }
            accuracies.add(r.test().accuracy());
            seconds += r.wallSeconds();
            if (reached < 0 && r.test().accuracy() >= target) {
                reached = r.epoch();
                reachedSeconds = seconds;
            }
        }
        rates.sort(Double::compare);
        double median = rates.isEmpty() ? records.get(0).examplesPerSecond() : rates.get(rates.size() / 2);
        return new Outcome(name, median, reached, reachedSeconds, accuracies.get(accuracies.size() - 1), accuracies,
                seconds);
    }

    private static void print(List<Outcome> outcomes, double target) {
        Outcome dl4jEpoch = outcomes.get(4);
        Outcome dl4jFive = outcomes.get(5);
        System.out.printf(Locale.ROOT, "| run | examples/s | vs DL4J master (same sync) | epoch, training s to %.2f | "
                + "time vs DL4J master | final test accuracy |%n|---|---|---|---|---|---|%n", target);
        for (Outcome o : outcomes) {
            Outcome peer = o.name().contains("every 5") ? dl4jFive : dl4jEpoch;
            System.out.printf(Locale.ROOT, "| %s | %,.0f | %.2fx | %s | %s | %.4f |%n", o.name(), o.examplesPerSecond(),
                    o.examplesPerSecond() / peer.examplesPerSecond(),
                    o.epochReached() < 0 ? "not reached" : String.format(Locale.ROOT, "epoch %d, %.1f s",
                            o.epochReached(), o.secondsToTarget()),
                    o.epochReached() < 0 ? "-" : peer.epochReached() < 0
                            ? String.format(Locale.ROOT, "< %.2fx (peer not there after %.0f s)",
                                    o.secondsToTarget() / peer.totalSeconds(), peer.totalSeconds())
                            : String.format(Locale.ROOT, "%.2fx", o.secondsToTarget() / peer.secondsToTarget()),
                    o.finalAccuracy());
        }
        System.out.printf(Locale.ROOT, "%nAveron 2 workers vs 1 worker (sync per epoch, examples/s): %.2fx%n",
                outcomes.get(2).examplesPerSecond() / outcomes.get(1).examplesPerSecond());
        System.out.println("accuracy per epoch:");
        for (Outcome o : outcomes) {
            System.out.printf(Locale.ROOT, "  %s: %s%n", o.name(), o.accuracies());
        }
    }
}
