package io.averon.examples;

import io.averon.core.data.ArrayDataSet;
import io.averon.core.data.Labels;
import io.averon.driver.data.SparkData;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/** Small data helpers the lessons share: subsets, class filters, and handing arrays to Spark. */
public final class ExampleData {

    /** Examples per DataSet handed to Spark. */
    static final int CHUNK = 500;

    private ExampleData() {
    }

    /** A seeded random subset of {@code n} examples (all of them if {@code n >= size}). */
    public static ArrayDataSet sample(ArrayDataSet data, int n, long seed) {
        if (n >= data.size()) {
            return data;
        }
        int[] all = new int[data.size()];
        Arrays.setAll(all, i -> i);
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < n; i++) {
            int j = i + random.nextInt(all.length - i);
            int t = all[i];
            all[i] = all[j];
            all[j] = t;
        }
        int[] chosen = Arrays.copyOf(all, n);
        Arrays.sort(chosen);
        return data.select(chosen, data.name() + " (" + n + " sampled)");
    }

    /**
     * The examples of classes {@code from..from+count-1}, relabelled {@code 0..count-1} (e.g. the
     * last five Fashion-MNIST classes as a five-class problem).
     */
    public static ArrayDataSet classes(ArrayDataSet data, int from, int count, String name) {
        Labels.Classes labels = data.classes();
        int[] kept = java.util.stream.IntStream.range(0, data.size())
                .filter(i -> labels.values()[i] >= from && labels.values()[i] < from + count).toArray();
        int[] relabelled = new int[kept.length];
        for (int i = 0; i < kept.length; i++) {
            relabelled[i] = labels.values()[kept[i]] - from;
        }
        ArrayDataSet selected = data.select(kept, name);
        return new ArrayDataSet(name, selected.exampleShape(), selected.features(),
                new Labels.Classes(relabelled, labels.classNames().subList(from, from + count)));
    }

    /** The training and test sets as Spark data (RDDs of DataSets of up to {@value #CHUNK} examples). */
    public static SparkData toSpark(JavaSparkContext sc, ArrayDataSet train, ArrayDataSet test) {
        List<String> classes = train.isClassification() ? train.classNames() : List.of();
        return SparkData.fromDataSets(rdd(sc, train), rdd(sc, test), classes);
    }

    private static JavaRDD<DataSet> rdd(JavaSparkContext sc, ArrayDataSet data) {
        List<DataSet> chunks = new ArrayList<>();
        int width = data.featureLength();
        int labelWidth = data.labels() instanceof Labels.Classes c ? c.numClasses() : 1;
        for (int start = 0; start < data.size(); start += CHUNK) {
            int n = Math.min(CHUNK, data.size() - start);
            long[] shape = new long[data.exampleShape().length + 1];
            shape[0] = n;
            for (int d = 0; d < data.exampleShape().length; d++) {
                shape[d + 1] = data.exampleShape()[d];
            }
            float[] x = Arrays.copyOfRange(data.features(), start * width, (start + n) * width);
            float[] y = new float[n * labelWidth];
            for (int i = 0; i < n; i++) {
                if (data.labels() instanceof Labels.Classes c) {
                    y[i * labelWidth + c.values()[start + i]] = 1f;
                } else {
                    y[i] = ((Labels.Targets) data.labels()).values()[start + i];
                }
            }
            chunks.add(new DataSet(Nd4j.create(x, shape, 'c').castTo(DataType.FLOAT),
                    Nd4j.create(y, new long[] {n, labelWidth}, 'c')));
        }
        return sc.parallelize(chunks, Math.max(1, chunks.size())); // one chunk per task: small tasks
    }
}
