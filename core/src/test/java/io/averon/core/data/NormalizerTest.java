package io.averon.core.data;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

@Tag("fast")
class NormalizerTest {

    @Test
    void shouldGiveZeroMeanAndUnitStdWhenAppliedToTrainingData() {
        // three features: varying, varying with large offset, constant
        float[] x = {
            1, 1000, 5,
            2, 1010, 5,
            3, 990, 5,
            10, 1040, 5,
        };
        ArrayDataSet train = new ArrayDataSet("t", new int[] {3}, x.clone(),
                new Labels.Targets(new float[] {0, 1, 2, 3}));
        Normalizer normalizer = Normalizer.fitStandardize(train);
        assertArrayEquals(new float[] {4, 1010, 5}, normalizer.mean(), 1e-4f);
        assertEquals(1f, normalizer.std()[2]);

        float[] z = normalizer.apply(train).features();
        for (int j = 0; j < 3; j++) {
            double sum = 0;
            double sumSq = 0;
            for (int i = 0; i < 4; i++) {
                sum += z[i * 3 + j];
                sumSq += z[i * 3 + j] * z[i * 3 + j];
            }
            double mean = sum / 4;
            double std = Math.sqrt(sumSq / 4 - mean * mean);
            assertEquals(0, mean, 1e-5, "mean of feature " + j);
            assertEquals(j == 2 ? 0 : 1, std, 1e-4, "std of feature " + j);
        }
        assertArrayEquals(x, train.features(), "input must be left unchanged");
    }

    @Test
    void shouldApplyTrainingStatisticsWhenNormalisingOtherData() {
        ArrayDataSet train = new ArrayDataSet("t", new int[] {1}, new float[] {0, 2},
                new Labels.Classes(new int[] {0, 1}, List.of("a", "b")));
        Normalizer normalizer = Normalizer.fitStandardize(train);
        ArrayDataSet other = train.withFeatures(new float[] {4, 1});
        assertArrayEquals(new float[] {3, 0}, normalizer.apply(other).features(), 1e-6f);
    }
}
