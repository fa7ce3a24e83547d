package io.averon.driver.training;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The server's per-worker lag sums by round, cut into epochs at each epoch's last round number. */
@Tag("fast")
class RoundLagMeterTest {

    /** 2 workers of 400 examples in minibatches of 8, averaged every 20: rounds 1-3 are epoch 1's. */
    private static final ShardPlan SHARDS = new ShardPlan(800, 200, 2, 8, 20, 0);

    /** What the driver's server had summed, per worker in ms, as each round closed. */
    private final TreeMap<Long, long[]> serverLagMs = new TreeMap<>();

    /** The sums through a round, as {@code ServerCounters#roundLagMsThrough} answers. */
    private long[] through(long round) {
        Map.Entry<Long, long[]> closed = serverLagMs.floorEntry(round);
        return closed == null ? new long[2] : closed.getValue();
    }

    @Test
    void shouldGiveEachEpochTheLagOfItsOwnRoundsEvenWhenTheNextEpochsRoundsClosedBeforeItWasTaken() {
        assertEquals(3, SHARDS.roundsPerEpoch(1), "the plan this test assumes");
        RoundLagMeter meter = RoundLagMeter.of(this::through, SHARDS);
        serverLagMs.put(1L, new long[] {0, 300});
        serverLagMs.put(3L, new long[] {0, 1_300}); // round 2 failed: it adds nothing
        serverLagMs.put(4L, new long[] {40, 1_300}); // epoch 2's first round closed before epoch 1 was taken
        serverLagMs.put(5L, new long[] {540, 1_300});

        assertArrayEquals(new double[] {0, 1.3}, meter.seconds(1));
        serverLagMs.put(6L, new long[] {540, 1_310});
        assertArrayEquals(new double[] {0.54, 0.01}, meter.seconds(2));
        assertArrayEquals(new double[] {0, 0}, meter.seconds(3), "no round of epoch 3 closed yet");
    }

    @Test
    void shouldMeasureNothingWhenTheServerNoLongerKeepsTheEpochsRounds() {
        RoundLagMeter meter = RoundLagMeter.of(round -> round < 3 ? null : new long[] {0, 700}, SHARDS);

        assertNull(meter.seconds(1), "epoch 1 starts after round 0, no longer kept");
        assertArrayEquals(new double[] {0, 0}, meter.seconds(2));
    }

    @Test
    void shouldMeasureNothingWithoutTheDriversServer() {
        assertNull(RoundLagMeter.none().seconds(1));
    }
}
