package io.averon.benchmarks;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class LinearFitTest {

    @Test
    void shouldRecoverTheLineWhenThePointsLieOnIt() {
        // 2 ms fixed + 30 µs per example
        double[] batches = {16, 32, 64, 128};
        double[] ms = {2.48, 2.96, 3.92, 5.84};
        LinearFit fit = LinearFit.leastSquares(batches, ms);
        assertEquals(2.0, fit.intercept(), 1e-9);
        assertEquals(0.03, fit.slope(), 1e-12);
        assertEquals(1.0, fit.rSquared(), 1e-12);
    }

    @Test
    void shouldGiveTheLeastSquaresLineWhenThePointsScatter() {
        // x = 0, 1, 2, 3; y = 1, 3, 2, 5: slope = Sxy/Sxx = 5.5/5 = 1.1, intercept = 2.75 - 1.1*1.5 = 1.1,
        // residuals -0.1, 0.8, -1.3, 0.6: SSR = 2.7; SST = 8.75; R² = 1 - 2.7/8.75
        LinearFit fit = LinearFit.leastSquares(new double[] {0, 1, 2, 3}, new double[] {1, 3, 2, 5});
        assertEquals(1.1, fit.slope(), 1e-12);
        assertEquals(1.1, fit.intercept(), 1e-12);
        assertEquals(1 - 2.7 / 8.75, fit.rSquared(), 1e-12);
    }

    @Test
    void shouldRejectALineThroughOneXValue() {
        assertThrows(IllegalArgumentException.class,
                () -> LinearFit.leastSquares(new double[] {64, 64}, new double[] {1, 2}));
        assertThrows(IllegalArgumentException.class,
                () -> LinearFit.leastSquares(new double[] {1, 2}, new double[] {1}));
    }
}
