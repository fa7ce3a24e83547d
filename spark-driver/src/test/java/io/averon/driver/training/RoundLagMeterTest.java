package io.averon.driver.training;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The server's per-worker lag sums, cut into epochs at each epoch's first report. */
@Tag("fast")
class RoundLagMeterTest {

    /** What the driver's server has summed so far, per worker, in ms. */
    private final List<Long> serverLagMs = new ArrayList<>(List.of(500L, 0L, 0L));

    @Test
    void shouldGiveEachEpochTheLagSummedBetweenItsFirstReportAndThePreviousEpochsWhenTaken() {
        RoundLagMeter meter = RoundLagMeter.of(3, () -> serverLagMs); // a server that already had 0.5 s for worker 0
        serverLagMs.set(2, 1_300L); // epoch 1's round waited 1.3 s for worker 2
        meter.onReport(1);
        meter.onReport(1);
        serverLagMs.set(1, 40L); // epoch 2's round, 40 ms for worker 1
        meter.onReport(2); // while epoch 1 still waits for worker 0's averaged model
        serverLagMs.set(2, 2_000L); // epoch 3's round

        assertArrayEquals(new double[] {0, 0, 1.3}, meter.takeSeconds(1), "read at epoch 1's first report");
        assertArrayEquals(new double[] {0, 0.04, 0}, meter.takeSeconds(2), "read at epoch 2's first report");
        assertArrayEquals(new double[] {0, 0, 0.7}, meter.takeSeconds(3), "no report read yet: read when taken");
    }

    @Test
    void shouldMeasureNothingWithoutTheDriversServer() {
        RoundLagMeter meter = RoundLagMeter.none();
        meter.onReport(1);

        assertNull(meter.takeSeconds(1));
    }
}
