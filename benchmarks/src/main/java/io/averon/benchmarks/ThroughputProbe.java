package io.averon.benchmarks;

import io.averon.core.data.DataSources;
import io.averon.core.data.DataSpec;
import io.averon.core.data.TrainTestData;
import io.averon.core.model.AveronModel;
import io.averon.core.model.ModelFactory;
import io.averon.core.model.ModelSpec;
import io.averon.core.model.Optimizer;
import io.averon.core.model.UpdaterSpec;
import io.averon.core.runtime.NativeRuntime;
import io.averon.core.runtime.NativeSettings;
import io.averon.core.train.MinibatchFeeder;
import io.averon.examples.FashionResnetExample;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * One measured configuration, run in its own JVM by {@link LocalThroughputBenchmark} and
 * {@link PeerBenchmark}: trains a model on Fashion-MNIST's training set for a warm-up, then times
 * whole minibatch steps.
 *
 * <p>Arguments: {@code model batch mode warmupSeconds measuredSeconds threads} (the warm-up runs whole steps
 * too, long enough for the JIT to compile the step), where model is a
 * preset ({@code mlp}, {@code cnn}: Adam at the preset's default rate, constant) or
 * {@value #FASHION_RESNET} (the examples' {@link FashionResnetExample#network}), and mode is
 * {@code averon} (Averon's runtime settings and training step), {@value #DL4J_STEP} (Averon's
 * runtime settings, but each step through DL4J's own {@code fit} and updater: Averon's step before
 * its fused updater and dense step, for side-by-side measurement) or {@code defaults} (plain DL4J:
 * nothing configured, so the plain native build, helpers off, ND4J's default threads, DL4J's
 * {@code fit}). Prints one line
 * {@code RESULT examples_per_second=... seconds=... ms_per_step=... params=... helpers=...}.
 */
public final class ThroughputProbe {

    /** The model name that selects the examples' residual network. */
    static final String FASHION_RESNET = "fashion-resnet";

    /** The mode that steps through DL4J's own fit and updater. */
    static final String DL4J_STEP = "dl4j-step";

    /** Weight-initialisation seed of every model. */
    private static final long SEED = 1;

    private ThroughputProbe() {
    }

    public static void main(String[] args) {
        String model = args[0];
        int batch = Integer.parseInt(args[1]);
        String mode = args[2];
        boolean averon = !mode.equals("defaults");
        double warmupSeconds = Double.parseDouble(args[3]);
        double measuredSeconds = Double.parseDouble(args[4]);
        int threads = Integer.parseInt(args[5]);
        boolean resnet = model.equals(FASHION_RESNET);
        ModelSpec spec = resnet ? null : ModelSpec.parse(model);
        if (averon) {
            NativeRuntime.configure(new NativeSettings(threads, resnet || spec.convolutional()));
        }
        TrainTestData data = DataSources.loadForTraining(DataSpec.builder(DataSpec.FASHION_MNIST).build(), 1);
        int classes = data.train().classes().numClasses();
        AveronModel net = resnet ? AveronModel.of(FashionResnetExample.network(classes, SEED, 1))
                : ModelFactory.create(spec, data.train().exampleShape(), classes,
                        UpdaterSpec.adam(spec.preset().defaultLearningRate(Optimizer.ADAM)), SEED);
        Trained trained = mode.equals("averon") ? new Trained(net::fit, net.layers().toArray(new Layer[0]))
                : dl4jFit(net);
        Step step = trained.step();
        MinibatchFeeder feeder = new MinibatchFeeder(data.train(), batch);
        int n = data.train().size();
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        SplittableRandom random = new SplittableRandom(7);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        int position = 0;
        long warmUntil = System.nanoTime() + (long) (warmupSeconds * 1e9);
        do {
            position = step(step, feeder, order, position, batch);
        } while (System.nanoTime() < warmUntil);
        long steps = 0;
        long start = System.nanoTime();
        long deadline = start + (long) (measuredSeconds * 1e9);
        while (System.nanoTime() < deadline) {
            position = step(step, feeder, order, position, batch);
            steps++;
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        StringBuilder helpers = new StringBuilder();
        boolean ownStep = mode.equals("averon") && net.trainsThroughSequentialStep(); // DL4J's layers do not run
        if (ownStep) {
            helpers.append("SequentialNetworkStep");
        }
        for (Layer layer : ownStep ? new Layer[0] : trained.layers()) {
            if (layer.getHelper() != null) { // the helpers of the network the steps really trained
                helpers.append(layer.getClass().getSimpleName()).append(':')
                        .append(layer.getHelper().getClass().getSimpleName()).append(',');
            } else if (layer.getClass().getPackageName().startsWith("io.averon")) { // a layer of Averon's in DL4J's place
                helpers.append(layer.getClass().getSimpleName()).append(',');
            }
        }
        System.out.printf(Locale.ROOT, "RESULT examples_per_second=%.1f seconds=%.2f ms_per_step=%.3f params=%d helpers=%s%n",
                steps * batch / seconds, seconds, 1000 * seconds / steps, net.numParams(),
                helpers.length() == 0 ? "none" : helpers);
    }

    /** One training step on a minibatch. */
    private interface Step {
        void fit(INDArray features, INDArray labels);
    }

    /** The step a probe times and the layers of the network it trains. */
    private record Trained(Step step, Layer[] layers) {
    }

    /** DL4J's own fit and updater on a fresh copy of the model's configuration (same seed, same weights). */
    private static Trained dl4jFit(AveronModel net) {
        if (net.kind() == AveronModel.Kind.MULTI_LAYER_NETWORK) {
            MultiLayerNetwork network = new MultiLayerNetwork(MultiLayerConfiguration.fromJson(net.configurationJson()));
            network.init();
            return new Trained(network::fit, network.getLayers());
        }
        ComputationGraph graph = new ComputationGraph(ComputationGraphConfiguration.fromJson(net.configurationJson()));
        graph.init();
        return new Trained((features, labels) -> graph.fit(new DataSet(features, labels)), graph.getLayers());
    }

    private static int step(Step step, MinibatchFeeder feeder, int[] order, int position, int batch) {
        if (position + batch > order.length) {
            position = 0;
        }
        MinibatchFeeder.Batch b = feeder.fill(order, position, batch);
        step.fit(b.features(), b.labels());
        return position + batch;
    }
}
