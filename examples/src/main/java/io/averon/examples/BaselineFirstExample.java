package io.averon.examples;

import io.averon.core.data.ArrayDataSet;
import io.averon.core.data.TrainTestData;
import io.averon.core.model.AveronModel;
import io.averon.core.report.HardExamples;
import io.averon.core.report.RunReport;
import io.averon.core.train.TrainingConfig;
import io.averon.driver.run.Trained;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * fast.ai's first habit: before training anything, build the simplest model that could work and
 * write down its score; a network is only worth what it adds to that. The baseline here is the
 * nearest class mean on Fashion-MNIST: the average image of each class, computed with one Spark job
 * over the training images, and each test image given the class whose average it is closest to.
 * Then an MLP is trained on the same split and scored on the same test images.
 */
public final class BaselineFirstExample implements Example {

    /** Images per element of the RDDs the baseline's Spark jobs run over. */
    private static final int CHUNK = 500;

    @Override
    public String name() {
        return "baseline-first";
    }

    @Override
    public String summary() {
        return "Fashion-MNIST: a nearest-class-mean baseline (a Spark job) first, then what an MLP adds to it";
    }

    @Override
    public Outcome run(ExampleContext context) {
        // 1. The data: Fashion-MNIST, pixels scaled to 0..1 (a seeded sample of it for a quick run).
        TrainTestData fashion = context.fashionMnist();
        ArrayDataSet train = ExampleData.sample(fashion.train(), context.count(60_000, 3_000), context.seed());
        ArrayDataSet test = ExampleData.sample(fashion.test(), context.count(10_000, 1_000), context.seed() + 1);
        int classes = train.classes().numClasses();
        int width = train.featureLength();

        // 2. The baseline. One Spark job sums the images of each class (every partition adds up its
        //    own images, then the partial sums are added together); the driver divides by the counts.
        JavaSparkContext sc = context.sc();
        List<Chunk> trainChunks = Chunk.split(train);
        JavaRDD<Chunk> trainImages = sc.parallelize(trainChunks, trainChunks.size()) // one chunk per task
                .setName("fashion-mnist train images");
        double[] sums = trainImages.aggregate(new double[classes * (width + 1)],
                (acc, chunk) -> chunk.addTo(acc, width), BaselineFirstExample::add);
        float[][] means = new float[classes][width];
        for (int c = 0; c < classes; c++) {
            int base = c * (width + 1);
            for (int j = 0; j < width; j++) {
                means[c][j] = (float) (sums[base + 1 + j] / Math.max(1, sums[base]));
            }
        }
        // ... and a second job classifies every test image by its nearest mean (Euclidean
        // distance); the means travel to the executors once, as a broadcast.
        Broadcast<float[][]> shared = sc.broadcast(means);
        List<Chunk> testChunks = Chunk.split(test);
        long correct = sc.parallelize(testChunks, testChunks.size())
                .map(chunk -> chunk.nearestMeanHits(shared.value(), width))
                .reduce(Long::sum);
        shared.destroy();
        double baseline = (double) correct / test.size();
        context.print("nearest-class-mean baseline: accuracy %.4f on %d test images (chance: %.2f)", baseline,
                test.size(), 1.0 / classes);

        // 3. The model: the Keras lesson's MLP (flattened image -> 128 ReLU -> 10-way softmax).
        long seed = context.seed();
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.FLOAT)
                .updater(new Adam(1e-3))
                .list()
                .layer(new DenseLayer.Builder().nIn(width).nOut(128).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(classes)
                        .activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        TrainingConfig training = TrainingConfig.builder()
                .epochs(context.epochs(5, 5))
                .batchSize(context.count(128, 64))
                .seed(seed)
                .build();
        Trained result = context.fit(context.trainer(training), AveronModel.of(net), train, test, "mlp");
        double accuracy = result.training().finalMetrics().accuracy();
        double gain = accuracy - baseline;
        context.print("MLP: accuracy %.4f, %+.1f points over the baseline", accuracy, 100 * gain);

        Map<String, Object> config = new LinkedHashMap<>();
        config.put("data", "Fashion-MNIST, " + train.size() + " training / " + test.size() + " test images");
        config.put("baseline", "nearest class mean (Euclidean), means from one Spark aggregate");
        config.put("model", "784 -> 128 ReLU -> softmax(10)");
        config.put("optimizer", "Adam, learning rate 0.001");
        config.put("epochs", training.epochs());
        config.put("batch size", training.batchSize());
        config.put("workers", result.workers());
        context.writeReport(RunReport.builder("Baseline first: nearest class mean, then an MLP")
                .config(config)
                .note(String.format(Locale.ROOT, "Baseline (nearest class mean): accuracy %.4f on the same %d test "
                        + "images (chance %.2f). The MLP: %.4f, a gain of %.1f points.", baseline, test.size(),
                        1.0 / classes, accuracy, 100 * gain))
                .epochs(result.training().epochs())
                .finalMetrics(result.training().finalMetrics())
                .hardExamples(HardExamples.find(result.model(), test, 12)));

        Map<String, Double> figures = new LinkedHashMap<>();
        figures.put("baseline_accuracy", baseline);
        figures.put("test_accuracy", accuracy);
        figures.put("gain", gain);
        return new Outcome(name(), figures);
    }

    /** Adds {@code b} into {@code a} (how Spark merges two partitions' sums). */
    private static double[] add(double[] a, double[] b) {
        for (int i = 0; i < a.length; i++) {
            a[i] += b[i];
        }
        return a;
    }

    /** A block of images and their labels, the element of the baseline's RDDs. */
    record Chunk(int[] labels, float[] pixels) implements Serializable {

        static List<Chunk> split(ArrayDataSet data) {
            int width = data.featureLength();
            List<Chunk> chunks = new ArrayList<>();
            for (int start = 0; start < data.size(); start += CHUNK) {
                int end = Math.min(data.size(), start + CHUNK);
                chunks.add(new Chunk(Arrays.copyOfRange(data.classes().values(), start, end),
                        Arrays.copyOfRange(data.features(), start * width, end * width)));
            }
            return chunks;
        }

        /** Adds each image to its class's sum; per class: the count, then {@code width} pixel sums. */
        double[] addTo(double[] sums, int width) {
            for (int i = 0; i < labels.length; i++) {
                int base = labels[i] * (width + 1);
                sums[base]++;
                for (int j = 0; j < width; j++) {
                    sums[base + 1 + j] += pixels[i * width + j];
                }
            }
            return sums;
        }

        /** How many images are closest to the mean of their own class. */
        long nearestMeanHits(float[][] means, int width) {
            long hits = 0;
            for (int i = 0; i < labels.length; i++) {
                int nearest = -1;
                double best = Double.POSITIVE_INFINITY;
                for (int c = 0; c < means.length; c++) {
                    double d = 0;
                    for (int j = 0; j < width; j++) {
                        double diff = pixels[i * width + j] - means[c][j];
                        d += diff * diff;
                    }
                    if (d < best) {
                        best = d;
                        nearest = c;
                    }
                }
                hits += nearest == labels[i] ? 1 : 0;
            }
            return hits;
        }
    }
}
