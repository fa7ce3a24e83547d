package io.averon.driver.spark;

import io.averon.core.AveronException;
import io.averon.core.data.ArrayDataSet;
import io.averon.core.data.Labels;
import io.averon.core.model.AveronModel;
import io.averon.core.model.ModelSpec;
import io.averon.core.report.HardExample;
import io.averon.core.report.HardExamples;
import io.averon.core.runtime.NativeSettings;
import org.apache.spark.api.java.JavaSparkContext;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;

/**
 * The held-out examples a model gets most wrong, found where the data lives: each Spark task
 * runs {@link HardExamples#find} on its partition of the held-out input and returns its k worst;
 * the driver keeps the k worst of those. Indices are positions in the held-out input, in
 * partition order.
 */
public final class SparkHardExamples {

    private SparkHardExamples() {
    }

    /** The k held-out examples of {@code data} with the highest loss under {@code model}, highest first. */
    public static List<HardExample> find(JavaSparkContext sc, SparkData data, AveronModel model, int k) {
        if (k < 0) {
            throw new IllegalArgumentException("k must not be negative, got " + k);
        }
        return find(sc, data.test(), data.classNames(), model, k);
    }

    private static <T> List<HardExample> find(JavaSparkContext sc, SparkData.Part<T> part, List<String> classNames,
                                              AveronModel model, int k) {
        sc.setJobDescription("averon report: the " + k + " highest-loss held-out examples");
        try {
            List<Long> counts = part.rdd().mapPartitions(SparkHardExamples::count).collect();
            long[] offsets = new long[counts.size()];
            for (int p = 1; p < offsets.length; p++) {
                offsets[p] = offsets[p - 1] + counts.get(p - 1);
            }
            Task<T> task = new Task<>(part.converter(), new ArrayList<>(classNames), model.kind(), model.configurationJson(),
                    model.params().toFloatVector(), offsets, k,
                    ModelSpec.hasConvolutionLayers(model.configurationJson()));
            List<HardExample> found = new ArrayList<>(part.rdd().mapPartitionsWithIndex(task, false).collect());
            found.sort(Comparator.comparingDouble((HardExample e) -> Double.isNaN(e.loss()) ? Double.POSITIVE_INFINITY
                    : e.loss()).reversed().thenComparingInt(HardExample::index));
            return List.copyOf(found.subList(0, Math.min(k, found.size())));
        } finally {
            sc.setJobDescription(null);
        }
    }

    private static <T> Iterator<Long> count(Iterator<T> elements) {
        long n = 0;
        while (elements.hasNext()) {
            elements.next();
            n++;
        }
        return List.of(n).iterator();
    }

    /** One partition: read its examples, rebuild the model, keep the k worst. */
    private record Task<T>(SparkData.Converter<T> converter, ArrayList<String> classNames, AveronModel.Kind kind,
                           String configJson, float[] params, long[] offsets, int k, boolean convolutional)
            implements org.apache.spark.api.java.function.Function2<Integer, Iterator<T>, Iterator<HardExample>> {

        @Override
        public Iterator<HardExample> call(Integer partition, Iterator<T> elements) {
            ExecutorRuntime.configure(new NativeSettings(1, convolutional));
            List<float[]> features = new ArrayList<>();
            List<Integer> labels = new ArrayList<>();
            List<Float> targets = new ArrayList<>();
            int[][] shape = new int[1][];
            while (elements.hasNext()) {
                converter.convert(elements.next(), (s, x, label, target) -> {
                    shape[0] = s;
                    features.add(x);
                    labels.add(label);
                    targets.add(target);
                });
            }
            if (features.isEmpty() || k == 0) {
                return java.util.Collections.emptyIterator();
            }
            int width = features.get(0).length;
            float[] flat = new float[features.size() * width];
            for (int i = 0; i < features.size(); i++) {
                System.arraycopy(features.get(i), 0, flat, i * width, width);
            }
            Labels l = classNames.isEmpty()
                    ? new Labels.Targets(toFloats(targets))
                    : new Labels.Classes(labels.stream().mapToInt(Integer::intValue).toArray(), classNames);
            ArrayDataSet data = new ArrayDataSet("held-out partition " + partition, shape[0], flat, l);
            AveronModel model = AveronModel.fromConfiguration(kind, configJson);
            if (model.numParams() != params.length) {
                throw new AveronException("model configuration has " + model.numParams() + " parameters, got "
                        + params.length);
            }
            model.setParams(Nd4j.createFromArray(params).reshape(model.params().shape()));
            long offset = offsets[partition];
            List<HardExample> worst = new ArrayList<>();
            for (HardExample e : HardExamples.find(model, data, k)) {
                worst.add(new HardExample((int) (offset + e.index()), e.trueLabel(), e.predictedLabel(), e.probability(),
                        e.loss(), e.shape(), e.features()));
            }
            return worst.iterator();
        }

        private static float[] toFloats(List<Float> values) {
            float[] out = new float[values.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = values.get(i);
            }
            return out;
        }
    }
}
