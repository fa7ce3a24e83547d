package io.averon.driver.training;

import io.averon.driver.data.SparkData;
import io.averon.core.data.ArrayDataSet;
import io.averon.core.data.Labels;
import io.averon.core.model.AveronModel;
import io.averon.core.model.ModelFactory;
import io.averon.core.model.ModelSpec;
import io.averon.core.model.UpdaterSpec;
import io.averon.core.report.HardExample;
import io.averon.core.report.HardExamples;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The report's highest-loss examples found in Spark tasks are the ones one process finds, at the same positions. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class SparkHardExamplesTest {

    private static final List<String> CLASSES = List.of("a", "b", "c");

    @Test
    void shouldFindTheSameWorstExamplesAtTheSamePositionsAsOneProcessAcrossUnevenPartitions() {
        Random random = new Random(11);
        int n = 50;
        int width = 4;
        float[] features = new float[n * width];
        int[] labels = new int[n];
        List<DataSet> examples = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            labels[i] = random.nextInt(CLASSES.size());
            float[] label = new float[CLASSES.size()];
            label[labels[i]] = 1f;
            for (int j = 0; j < width; j++) {
                features[i * width + j] = (float) random.nextGaussian();
            }
            float[] x = java.util.Arrays.copyOfRange(features, i * width, (i + 1) * width);
            examples.add(new DataSet(Nd4j.createFromArray(x).reshape(1, width), Nd4j.createFromArray(label).reshape(1, 3)));
        }
        ArrayDataSet test = new ArrayDataSet("held-out", new int[]{width}, features, new Labels.Classes(labels, CLASSES));
        AveronModel model = ModelFactory.create(ModelSpec.parse("logistic"), test.exampleShape(), CLASSES.size(),
                UpdaterSpec.adam(1e-3), 5);
        List<HardExample> expected = HardExamples.find(model, test, 7);

        SparkConf conf = new SparkConf().setMaster("local[2]").setAppName("averon-hard-examples-test")
                .set("spark.ui.enabled", "false");
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            SparkData data = SparkData.fromDataSets(sc.parallelize(examples.subList(0, 10), 1),
                    sc.parallelize(examples, 3), CLASSES);
            List<HardExample> actual = SparkHardExamples.find(sc, data, model, 7);

            assertEquals(expected.size(), actual.size());
            for (int i = 0; i < expected.size(); i++) {
                HardExample e = expected.get(i);
                HardExample a = actual.get(i);
                assertEquals(e.index(), a.index(), "rank " + i + ": the position in the held-out input");
                assertEquals(e.loss(), a.loss(), 1e-5, "rank " + i);
                assertEquals(e.trueLabel(), a.trueLabel(), "rank " + i);
                assertEquals(e.predictedLabel(), a.predictedLabel(), "rank " + i);
                assertArrayEquals(e.features(), a.features(), "rank " + i);
            }
        }
    }
}
