package io.averon.driver.training;

import io.averon.driver.data.SparkData;
import io.averon.driver.spark.ExecutorRuntime;
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
 * partition order (each task also reports its example count, so the data is read once).
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
            Task<T> task = new Task<>(part.converter(), new ArrayList<>(classNames), model.kind(), model.configurationJson(),
                    model.params().toFloatVector(), k, ModelSpec.hasConvolutionLayers(model.configurationJson()));
            List<PartitionWorst> partitions = new ArrayList<>(part.rdd().mapPartitionsWithIndex(task, false).collect());
            partitions.sort(Comparator.comparingInt(PartitionWorst::partition));
            List<HardExample> found = new ArrayList<>();
            long offset = 0;
            for (PartitionWorst p : partitions) {
                for (HardExample e : p.worst()) {
                    found.add(new HardExample(Math.toIntExact(offset + e.index()), e.trueLabel(), e.predictedLabel(),
                            e.probability(), e.loss(), e.shape(), e.features()));
                }
                offset += p.count();
            }
            found.sort(Comparator.comparingDouble((HardExample e) -> Double.isNaN(e.loss()) ? Double.POSITIVE_INFINITY
                    : e.loss()).reversed().thenComparingInt(HardExample::index));
            return List.copyOf(found.subList(0, Math.min(k, found.size())));
        } finally {
            sc.setJobDescription(null);
        }
    }

    /**
     * A partition's k worst examples, indexed within the partition, and its example count: the driver
     * turns the indices into positions in the whole held-out input (one pass over the data).
     */
    private record PartitionWorst(int partition, long count, List<HardExample> worst) implements java.io.Serializable {
    }

    /** One partition: read its examples, rebuild the model, keep the k worst. */
    private record Task<T>(SparkData.Converter<T> converter, ArrayList<String> classNames, AveronModel.Kind kind,
                           String configJson, float[] params, int k, boolean convolutional)
            implements org.apache.spark.api.java.function.Function2<Integer, Iterator<T>, Iterator<PartitionWorst>> {

        @Override
        public Iterator<PartitionWorst> call(Integer partition, Iterator<T> elements) {
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
                return List.of(new PartitionWorst(partition, features.size(), List.of())).iterator();
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
            return List.of(new PartitionWorst(partition, features.size(),
                    new ArrayList<>(HardExamples.find(model, data, k)))).iterator();
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
