package io.averon.core.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("fast")
class RegressionMetricsTest {

    /*
     * y = [1 2 3 4], prediction = [1.5 2 2 4]: errors 0.5, 0, -1, 0.
     * SSres = 0.25 + 1 = 1.25, MSE = 1.25 / 4 = 0.3125, MAE = 1.5 / 4 = 0.375.
     * mean y = 2.5, SStot = 2.25 + 0.25 + 0.25 + 2.25 = 5, R² = 1 - 1.25 / 5 = 0.75.
     */
    private static final float[] TARGETS = {1f, 2f, 3f, 4f};
    private static final float[] PREDICTIONS = {1.5f, 2f, 2f, 4f};

    private static RegressionMetrics fourRows() {
        RegressionMetrics m = new RegressionMetrics();
        m.add(PREDICTIONS, 4, TARGETS, 0);
        return m;
    }

    @Test
    void shouldComputeMseMaeAndR2WhenGivenSmallExample() {
        RegressionMetrics m = fourRows();
        assertEquals(4, m.count());
        assertEquals(0.3125, m.mse(), 1e-15);
        assertEquals(0.3125, m.meanLoss(), 1e-15);
        assertEquals(0.375, m.mae(), 1e-15);
        assertEquals(0.75, m.r2(), 1e-15);
    }

    @Test
    void shouldReturnOneWhenPredictionsArePerfect() {
        RegressionMetrics m = new RegressionMetrics();
        m.add(TARGETS.clone(), 4, TARGETS, 0);
        assertEquals(1.0, m.r2());
        assertEquals(0.0, m.mse());
        assertEquals(0.0, m.mae());
    }

    @Test
    void shouldReturnNegativeR2WhenWorseThanPredictingTheMean() {
        RegressionMetrics m = new RegressionMetrics();
        // y = [0 2], prediction = [2 0]: SSres = 8, mean 1, SStot = 2, R² = 1 - 4 = -3.
        m.add(new float[] {2f, 0f}, 2, new float[] {0f, 2f}, 0);
        assertEquals(-3.0, m.r2(), 1e-15);
    }

    @Test
    void shouldReturnNaNR2WhenAllTargetsAreEqual() {
        RegressionMetrics m = new RegressionMetrics();
        m.add(new float[] {0.1f, 0.3f, 0.1f}, 3, new float[] {0.1f, 0.1f, 0.1f}, 0);
        RegressionMetrics other = new RegressionMetrics();
        other.add(new float[] {0.1f}, 1, new float[] {0.1f}, 0);
        m.merge(other);
        assertTrue(Double.isNaN(m.r2()), "SStot is 0");
        assertEquals(4, m.count());
        assertTrue(m.mse() > 0);
    }

    @Test
    void shouldReturnNaNWhenNothingWasAdded() {
        RegressionMetrics m = new RegressionMetrics();
        assertEquals(0, m.count());
        assertTrue(Double.isNaN(m.mse()));
        assertTrue(Double.isNaN(m.mae()));
        assertTrue(Double.isNaN(m.r2()));
    }

    @Test
    void shouldReadTargetsFromOffsetWhenTargetOffsetGiven() {
        RegressionMetrics m = new RegressionMetrics();
        float[] padded = {9f, 9f, 1f, 2f, 3f, 4f};
        m.add(PREDICTIONS, 4, padded, 2);
        assertEquals(fourRows().toJson(), m.toJson());
    }

    @Test
    void shouldEqualSingleAccumulatorWhenTwoHalvesAreMerged() {
        RegressionMetrics first = new RegressionMetrics();
        RegressionMetrics second = new RegressionMetrics();
        first.add(PREDICTIONS, 2, TARGETS, 0);
        second.add(Arrays.copyOfRange(PREDICTIONS, 2, 4), 2, TARGETS, 2);
        first.merge(second);
        assertEquivalent(fourRows(), first);
        assertEquals(0.75, first.r2(), 1e-15);
        assertEquals(2, second.count(), "merge must not change its argument");
    }

    @Test
    void shouldEqualSingleAccumulatorWhenManyRandomPartitionsAreMerged() {
        Random random = new Random(7);
        int rows = 1000;
        float[] targets = new float[rows];
        float[] predictions = new float[rows];
        for (int r = 0; r < rows; r++) {
            targets[r] = 1000f + (float) random.nextGaussian() * 3f;
            predictions[r] = targets[r] + (float) random.nextGaussian();
        }
        RegressionMetrics all = new RegressionMetrics();
        all.add(predictions, rows, targets, 0);
        RegressionMetrics driver = new RegressionMetrics();
        int[] cuts = {0, 0, 1, 250, 251, 900, 1000};
        for (int i = 0; i + 1 < cuts.length; i++) {
            RegressionMetrics partition = new RegressionMetrics();
            int from = cuts[i];
            int n = cuts[i + 1] - from;
            partition.add(Arrays.copyOfRange(predictions, from, from + n), n, targets, from);
            driver.merge(partition);
        }
        assertEquivalent(all, driver);
        assertTrue(all.r2() > 0.8 && all.r2() < 1, "r2 " + all.r2());
    }

    @Test
    void shouldRejectWhenArraysAreTooShort() {
        RegressionMetrics m = new RegressionMetrics();
        assertThrows(IllegalArgumentException.class, () -> m.add(new float[1], 2, new float[2], 0));
        assertThrows(IllegalArgumentException.class, () -> m.add(new float[2], 2, new float[2], 1));
        assertThrows(IllegalArgumentException.class, () -> m.add(new float[2], -1, new float[2], 0));
        assertEquals(0, m.count());
    }

    @Test
    void shouldUseExactKeysWhenConvertedToJson() {
        Map<String, Object> json = fourRows().toJson();
        assertEquals(List.of("test_loss", "mse", "mae", "r2"), new ArrayList<>(json.keySet()));
        assertEquals(0.3125, (Double) json.get("test_loss"), 1e-15);
        assertEquals(0.3125, (Double) json.get("mse"), 1e-15);
        assertEquals(0.375, (Double) json.get("mae"), 1e-15);
        assertEquals(0.75, (Double) json.get("r2"), 1e-15);
    }

    @Test
    void shouldListAllMetricsWhenFormattingReport() {
        String report = fourRows().formatReport();
        assertTrue(report.contains("0.312500"), report);
        assertTrue(report.contains("0.375000"), report);
        assertTrue(report.contains("0.7500"), report);
        assertTrue(report.contains("examples  4"), report);
    }

    /** Counts exact, sums within 1e-12 relative. */
    private static void assertEquivalent(RegressionMetrics expected, RegressionMetrics actual) {
        assertEquals(expected.count(), actual.count());
        assertEquals(expected.mse(), actual.mse(), 1e-12 * Math.max(1, expected.mse()));
        assertEquals(expected.mae(), actual.mae(), 1e-12 * Math.max(1, expected.mae()));
        assertEquals(expected.r2(), actual.r2(), 1e-12);
    }
}
