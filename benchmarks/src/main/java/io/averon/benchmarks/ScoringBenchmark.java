package io.averon.benchmarks;

import io.averon.core.artifact.Manifest;
import io.averon.core.artifact.ModelArtifact;
import io.averon.core.artifact.ModelDescription;
import io.averon.core.data.ArrayDataSet;
import io.averon.core.data.DataSources;
import io.averon.core.data.DataSpec;
import io.averon.core.data.TrainTestData;
import io.averon.core.io.Location;
import io.averon.core.model.AveronModel;
import io.averon.core.model.ModelFactory;
import io.averon.core.model.ModelSpec;
import io.averon.core.model.Optimizer;
import io.averon.core.model.UpdaterSpec;
import io.averon.core.runtime.NativeRuntime;
import io.averon.core.runtime.NativeSettings;
import io.averon.core.train.LocalTrainer;
import io.averon.core.train.MinibatchFeeder;
import io.averon.core.train.TrainingConfig;
import io.averon.core.train.TrainingListener;
import io.averon.driver.cli.AveronCli;
import io.averon.driver.data.AveronDataset;
import io.averon.driver.scoring.BatchScorer;
import io.averon.driver.scoring.ScoringModel;
import org.apache.spark.sql.SparkSession;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Batch scoring throughput on the 70,000 Fashion-MNIST images, all in one run with the same model
 * and data: (a) the model's batched {@code output()} in memory (images decoded and normalised), one
 * thread per core, each on its own model copy; (b) {@code averon score} end to end (its own Spark
 * session {@code local[N]}, Parquet in and out); (c) the same scoring job in an already running
 * session ({@link BatchScorer} + Parquet write). (a) and (c) alternate over the rounds, first on one
 * core ({@code local[1]}), then on every core; the table has their medians, records/s per core and
 * the per-core ratio against (a) on one core, and each round's line the in-memory time, the session's
 * time and where its tasks' time went. (b) starts a session each time and counts the faster of two
 * runs.
 *
 * <p>Usage: {@code ScoringBenchmark [mlp|cnn] [batch=256] [rounds=5]}; classpath: the benchmarks module's jar and
 * {@code target/lib}.
 */
public final class ScoringBenchmark {

    private ScoringBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        String preset = args.length > 0 ? args[0] : "mlp";
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : BatchScorer.DEFAULT_BATCH_SIZE;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        int cores = Runtime.getRuntime().availableProcessors();
        ModelSpec spec = ModelSpec.parse(preset);
        NativeRuntime.configure(new NativeSettings(1, spec.convolutional()));
        Path tmp = Files.createTempDirectory("averon-scoring-benchmark");

        // a model worth scoring: one epoch on 6,000 training images (its accuracy does not matter here)
        DataSpec fashion = DataSpec.builder(DataSpec.FASHION_MNIST).build();
        TrainTestData data = DataSources.loadForTraining(fashion, 42);
        UpdaterSpec adam = UpdaterSpec.adam(1e-3);
        AveronModel model = ModelFactory.create(spec, data.train().exampleShape(), 10, adam, 42);
        int[] first = java.util.stream.IntStream.range(0, 6000).toArray();
        new LocalTrainer(TrainingConfig.builder().epochs(1).batchSize(128).seed(42).build())
                .fit(model, data.train().select(first, "train[0:6000]"), data.test(), new TrainingListener() { });
        Path modelFile = tmp.resolve("model.zip");
        ModelArtifact.write(modelFile, model, new ModelDescription(data.train().classNames(),
                data.train().exampleShape(), data.normalizer(), data.split(), Map.of("model", preset), 42,
                new Manifest.DataProvenance("fashion-mnist", data.train().fingerprint(), 6000, data.test().size())));

        // (a) one process, one core: all 70,000 images in memory, normalised once, batched output()
        DataSources.RawData raw = DataSources.readRaw(fashion, null);
        ArrayDataSet train = raw.parts().get("train");
        ArrayDataSet test = raw.parts().get("test");
        float[] all = Arrays.copyOf(train.features(), train.features().length + test.features().length);
        System.arraycopy(test.features(), 0, all, train.features().length, test.features().length);
        ArrayDataSet images = new ArrayDataSet("fashion-mnist", train.exampleShape(), all,
                new io.averon.core.data.Labels.Classes(new int[train.size() + test.size()], train.classNames()));
        int records = images.size();
        ArrayDataSet normalised = data.normalizer().apply(images);
        List<AveronModel> copies = new ArrayList<>();
        for (int c = 0; c < cores; c++) {
            copies.add(ModelArtifact.read(Location.of(modelFile)).model());
        }
        Path dataset = tmp.resolve("fashion-parquet"); // the Parquet data set the Spark rows read
        check(AveronCli.run("import", "--from", "fashion-mnist", "--to", dataset.toString(), "--master",
                "local[" + cores + "]"));

        // (b) averon score end to end: its own session each time (two runs, the faster counts)
        double cli = Double.MAX_VALUE;
        for (int round = 0; round < 2; round++) {
            long start = System.nanoTime();
            check(AveronCli.run("score", "--model", modelFile.toString(), "--input", dataset.toString(), "--output",
                    tmp.resolve("scores-" + round).toString(), "--batch-size", "" + batch, "--master",
                    "local[" + cores + "]"));
            cli = Math.min(cli, (System.nanoTime() - start) / 1e9);
        }

        ExecutorService pool = Executors.newFixedThreadPool(cores);
        try {
            // (a) + (c) on one core, then on every core: in memory and a running session alternate
            Rounds one = rounds(1, rounds, pool, copies, normalised, batch, dataset, modelFile, spec, tmp);
            Rounds every = rounds(cores, rounds, pool, copies, normalised, batch, dataset, modelFile, spec, tmp);
            double single = records / median(one.inMemory()); // records/s on one core
            System.out.printf(Locale.ROOT, "%nscoring %,d Fashion-MNIST records with %s, batch %d, %d cores; medians of"
                    + " %d alternating rounds (end to end: the faster of 2 runs)%n", records, preset, batch, cores, rounds);
            System.out.println("| run | seconds | records/s | records/s per core | per core vs single process |");
            System.out.println("|---|---|---|---|---|");
            row("single process, 1 core, batched output()", median(one.inMemory()), records, 1, single);
            row("BatchScorer + Parquet write, running session, local[1]", median(one.session()), records, 1, single);
            row(cores + " threads x batched output(), one per core, one JVM", median(every.inMemory()), records, cores,
                    single);
            row("BatchScorer + Parquet write, running session, local[" + cores + "]", median(every.session()), records,
                    cores, single);
            row("averon score end to end, local[" + cores + "]", cli, records, cores, single);
            System.out.printf(Locale.ROOT, "running session vs the in-memory loop on the same cores, per round: local[1]"
                    + " %s, local[%d] %s%n", one.ratios(), cores, every.ratios());
        } finally {
            pool.shutdownNow();
        }
        Location.of(tmp).delete();
    }

    /** Seconds per round of the in-memory loop and of the scoring job in a running session, on the same cores. */
    private record Rounds(List<Double> inMemory, List<Double> session) {
        List<String> ratios() {
            return java.util.stream.IntStream.range(0, inMemory.size()).mapToObj(r -> String.format(Locale.ROOT,
                    "%.2fx", inMemory.get(r) / session.get(r))).toList();
        }
    }

    /**
     * {@code rounds} rounds on {@code cores} cores, alternating: the images scored in memory by one
     * thread per core (each on its own model copy and its share of the images: what no scheduler
     * can beat on these cores), then the scoring job in a running session {@code local[cores]}.
     */
    private static Rounds rounds(int cores, int rounds, ExecutorService pool, List<AveronModel> copies,
                                 ArrayDataSet images, int batch, Path dataset, Path modelFile, ModelSpec spec,
                                 Path tmp) throws Exception {
        List<Double> inMemory = new ArrayList<>();
        List<Double> session = new ArrayList<>();
        TaskTime tasks = new TaskTime();
        try (SparkSession spark = SparkSession.builder().master("local[" + cores + "]").appName("scoring-benchmark")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.files.minPartitionNum", 4 * cores) // as the CLI's sessions: a short last wave
                .getOrCreate()) {
            spark.sparkContext().setLogLevel("WARN");
            spark.sparkContext().addSparkListener(tasks);
            ScoringModel scoring = ScoringModel.read(Location.of(modelFile));
            int records = images.size();
            for (int round = 0; round < rounds; round++) {
                long start = System.nanoTime();
                List<Future<Double>> parts = new ArrayList<>();
                for (int c = 0; c < cores; c++) {
                    AveronModel copy = copies.get(c);
                    int from = (int) ((long) records * c / cores);
                    int to = (int) ((long) records * (c + 1) / cores);
                    parts.add(pool.submit(() -> {
                        NativeRuntime.configure(new NativeSettings(1, spec.convolutional()));
                        return scoreInMemory(copy, images, from, to, batch);
                    }));
                }
                double checksum = 0;
                for (Future<Double> part : parts) {
                    checksum += part.get(10, TimeUnit.MINUTES);
                }
                checkSums(checksum, records);
                inMemory.add((System.nanoTime() - start) / 1e9);

                tasks.reset();
                start = System.nanoTime();
                BatchScorer.score(scoring, AveronDataset.read(spark, Location.of(dataset)),
                                new BatchScorer.Options(AveronDataset.FEATURES, BatchScorer.DEFAULT_TOP_K, batch))
                        .write().parquet(tmp.resolve("warm-" + cores + "-" + round).toString());
                session.add((System.nanoTime() - start) / 1e9);
                spark.sparkContext().listenerBus().waitUntilEmpty(); // task-end events arrive asynchronously
                System.out.printf(Locale.ROOT, "%d core(s), round %d: in memory %.2f s; running session %.2f s (%s)%n",
                        cores, round + 1, inMemory.get(round), session.get(round),
                        tasks.summary(session.get(round), cores));
            }
        }
        return new Rounds(inMemory, session);
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /** Where a Spark job's time went: its tasks' run, deserialisation and GC time, summed over tasks. */
    private static final class TaskTime extends org.apache.spark.scheduler.SparkListener {
        private long tasks;
        private long runMs;
        private long gcMs;
        private long deserializeMs;

        synchronized void reset() {
            tasks = runMs = gcMs = deserializeMs = 0;
        }

        @Override
        public synchronized void onTaskEnd(org.apache.spark.scheduler.SparkListenerTaskEnd end) {
            org.apache.spark.executor.TaskMetrics m = end.taskMetrics();
            if (m != null) {
                tasks++;
                runMs += m.executorRunTime();
                gcMs += m.jvmGCTime();
                deserializeMs += m.executorDeserializeTime();
            }
        }

        /** The tasks' busy share of {@code cores} x {@code seconds}, and their GC and deserialisation time. */
        synchronized String summary(double seconds, int cores) {
            return String.format(Locale.ROOT, "%d tasks ran %.2f s = %.0f%% of %d cores x wall, GC %.2f s,"
                    + " deserialising %.2f s", tasks, runMs / 1e3, 100 * runMs / 1e3 / (seconds * cores), cores,
                    gcMs / 1e3, deserializeMs / 1e3);
        }
    }

    /** Sum of the model's outputs for records [from, to) of {@code x}, in minibatches of {@code batch}. */
    private static double scoreInMemory(AveronModel model, ArrayDataSet x, int from, int to, int batch) {
        int width = x.featureLength();
        double checksum = 0;
        for (int at = from; at < to; at += batch) {
            int n = Math.min(batch, to - at);
            float[] slice = Arrays.copyOfRange(x.features(), at * width, (at + n) * width);
            checksum += model.output(Nd4j.create(slice, MinibatchFeeder.batchShape(x.exampleShape(), n), 'c'))
                    .sumNumber().doubleValue();
        }
        return checksum;
    }

    private static void checkSums(double checksum, int records) {
        if (Math.abs(checksum - records) > 1) {
            throw new IllegalStateException("probabilities do not sum to 1 per record: " + checksum);
        }
    }

    private static void row(String name, double seconds, int records, int cores, double singleRate) {
        double rate = records / seconds;
        System.out.printf(Locale.ROOT, "| %s | %.2f | %,.0f | %,.0f | %.2fx |%n", name, seconds, rate, rate / cores,
                rate / cores / singleRate);
    }

    private static void check(int exitCode) {
        if (exitCode != AveronCli.EXIT_OK) {
            throw new IllegalStateException("averon exited with " + exitCode);
        }
    }
}
