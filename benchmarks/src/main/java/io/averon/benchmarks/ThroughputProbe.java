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
import io.averon.core.train.MinibatchFeeder;
import org.deeplearning4j.nn.api.Layer;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * One measured configuration, run in its own JVM by {@link LocalThroughputBenchmark}: trains a
 * preset on Fashion-MNIST's training set for a warm-up, then times whole minibatch steps.
 *
 * <p>Arguments: {@code model batch mode warmupBatches measuredSeconds threads}, where mode is
 * {@code averon} (Averon's runtime settings) or {@code defaults} (plain DL4J: nothing configured,
 * so the plain native build, helpers off, ND4J's default threads). Prints one line
 * {@code RESULT examples_per_second=... helpers=...}.
 */
public final class ThroughputProbe {

    private ThroughputProbe() {
    }

    public static void main(String[] args) {
        String model = args[0];
        int batch = Integer.parseInt(args[1]);
        boolean averon = args[2].equals("averon");
        int warmup = Integer.parseInt(args[3]);
        double measuredSeconds = Double.parseDouble(args[4]);
        int threads = Integer.parseInt(args[5]);
        ModelSpec spec = ModelSpec.parse(model);
        if (averon) {
            NativeRuntime.configure(new NativeSettings(threads, spec.convolutional()));
        }
        TrainTestData data = DataSources.loadForTraining(DataSpec.builder(DataSpec.FASHION_MNIST).build(), 1);
        AveronModel net = ModelFactory.create(spec, data.train().exampleShape(), 10, UpdaterSpec.adam(1e-3), 1);
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
        for (int b = 0; b < warmup; b++) {
            position = step(net, feeder, order, position, batch);
        }
        long examples = 0;
        long start = System.nanoTime();
        long deadline = start + (long) (measuredSeconds * 1e9);
        while (System.nanoTime() < deadline) {
            position = step(net, feeder, order, position, batch);
            examples += batch;
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        StringBuilder helpers = new StringBuilder();
        for (Layer layer : net.layers()) {
            if (layer.getHelper() != null) {
                helpers.append(layer.getClass().getSimpleName()).append(':')
                        .append(layer.getHelper().getClass().getSimpleName()).append(',');
            }
        }
        System.out.printf(Locale.ROOT, "RESULT examples_per_second=%.1f seconds=%.2f helpers=%s%n", examples / seconds,
                seconds, helpers.length() == 0 ? "none" : helpers);
    }

    private static int step(AveronModel net, MinibatchFeeder feeder, int[] order, int position, int batch) {
        if (position + batch > order.length) {
            position = 0;
        }
        MinibatchFeeder.Batch b = feeder.fill(order, position, batch);
        net.fit(b.features(), b.labels());
        return position + batch;
    }
}
