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
import java.util.Locale;
import java.util.Map;

/**
 * Batch scoring throughput on the 70,000 Fashion-MNIST images, all in one run with the same model
 * and data: (a) one process calling the model's batched {@code output()} on one core (one native
 * thread), the images already in memory and normalised; (b) {@code averon score} end to end (its
 * own Spark session {@code local[N]}, Parquet in and out); (c) the same scoring job in an already
 * running session ({@link BatchScorer} + Parquet write). Reported as records/s and records/s per
 * core, and the per-core ratio against (a). Each measurement runs twice; the faster counts.
 *
 * <p>Usage: {@code ScoringBenchmark [mlp|cnn] [batch=256]}; classpath: the benchmarks module's jar and
 * {@code target/lib}.
 */
public final class ScoringBenchmark {

    private ScoringBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        String preset = args.length > 0 ? args[0] : "mlp";
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : BatchScorer.DEFAULT_BATCH_SIZE;
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
        double single = Double.MAX_VALUE;
        for (int round = 0; round < 2; round++) {
            long start = System.nanoTime();
            ArrayDataSet x = data.normalizer().apply(images);
            checkSums(scoreInMemory(model, x, 0, records, batch), records);
            single = Math.min(single, (System.nanoTime() - start) / 1e9);
        }

        // (a') the machine's own scaling: one such loop per core, each on its own model copy and
        // its share of the images, in one JVM (what no scheduler can beat on these cores)
        double parallel = Double.MAX_VALUE;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(cores);
        try {
            java.util.List<AveronModel> copies = new java.util.ArrayList<>();
            for (int c = 0; c < cores; c++) {
                copies.add(ModelArtifact.read(Location.of(modelFile)).model());
            }
            for (int round = 0; round < 2; round++) {
                long start = System.nanoTime();
                ArrayDataSet x = data.normalizer().apply(images);
                java.util.List<java.util.concurrent.Future<Double>> parts = new java.util.ArrayList<>();
                for (int c = 0; c < cores; c++) {
                    AveronModel copy = copies.get(c);
                    int from = (int) ((long) records * c / cores);
                    int to = (int) ((long) records * (c + 1) / cores);
                    parts.add(pool.submit(() -> {
                        NativeRuntime.configure(new NativeSettings(1, spec.convolutional()));
                        return scoreInMemory(copy, x, from, to, batch);
                    }));
                }
                double checksum = 0;
                for (java.util.concurrent.Future<Double> part : parts) {
                    checksum += part.get(10, java.util.concurrent.TimeUnit.MINUTES);
                }
                checkSums(checksum, records);
                parallel = Math.min(parallel, (System.nanoTime() - start) / 1e9);
            }
        } finally {
            pool.shutdownNow();
        }

        // the Parquet data set the Spark rows read
        Path dataset = tmp.resolve("fashion-parquet");
        check(AveronCli.run("import", "--from", "fashion-mnist", "--to", dataset.toString(), "--master",
                "local[" + cores + "]"));

        // (b) averon score end to end
        double cli = Double.MAX_VALUE;
        for (int round = 0; round < 2; round++) {
            long start = System.nanoTime();
            check(AveronCli.run("score", "--model", modelFile.toString(), "--input", dataset.toString(), "--output",
                    tmp.resolve("scores-" + round).toString(), "--batch-size", "" + batch, "--master",
                    "local[" + cores + "]"));
            cli = Math.min(cli, (System.nanoTime() - start) / 1e9);
        }

        // (c) the scoring job in a running session
        double warm = Double.MAX_VALUE;
        try (SparkSession spark = SparkSession.builder().master("local[" + cores + "]").appName("scoring-benchmark")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.files.minPartitionNum", 4 * cores) // as the CLI's sessions: a short last wave
                .getOrCreate()) {
            spark.sparkContext().setLogLevel("WARN");
            ScoringModel scoring = ScoringModel.read(Location.of(modelFile));
            for (int round = 0; round < 2; round++) {
                long start = System.nanoTime();
                BatchScorer.score(scoring, AveronDataset.read(spark, Location.of(dataset)),
                                new BatchScorer.Options(AveronDataset.FEATURES, BatchScorer.DEFAULT_TOP_K, batch))
                        .write().parquet(tmp.resolve("warm-" + round).toString());
                warm = Math.min(warm, (System.nanoTime() - start) / 1e9);
            }
        }

        double singleRate = records / single;
        System.out.printf(Locale.ROOT, "%nscoring %,d Fashion-MNIST records with %s, batch %d, %d cores%n", records,
                preset, batch, cores);
        System.out.println("| run | seconds | records/s | records/s per core | per core vs single process |");
        System.out.println("|---|---|---|---|---|");
        row("single process, 1 core, batched output()", single, records, 1, singleRate);
        row(cores + " threads x batched output(), one per core, one JVM", parallel, records, cores, singleRate);
        row("averon score end to end, local[" + cores + "]", cli, records, cores, singleRate);
        row("BatchScorer + Parquet write, running session, local[" + cores + "]", warm, records, cores, singleRate);
        Location.of(tmp).delete();
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
