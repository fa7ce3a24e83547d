package io.averon.core.train;

import io.averon.core.data.ArrayDataSet;
import io.averon.core.data.Labels;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class MinibatchFeederTest {

    /** Example i has features (10i, 10i + 1) and class i % 3. */
    private static final ArrayDataSet FIVE = new ArrayDataSet("five", new int[] {2},
            new float[] {0, 1, 10, 11, 20, 21, 30, 31, 40, 41},
            new Labels.Classes(new int[] {0, 1, 2, 0, 1}, List.of("x", "y", "z")));

    private static float[] values(INDArray array) {
        return array.dup('c').data().asFloat();
    }

    @Test
    void shouldCopyExamplesInTheGivenOrderWithOneHotLabelsWhenFilling() {
        MinibatchFeeder feeder = new MinibatchFeeder(FIVE, 2);
        int[] order = {4, 2, 0, 1, 3};

        MinibatchFeeder.Batch batch = feeder.fill(order, 0, 2);

        assertArrayEquals(new long[] {2, 2}, batch.features().shape());
        assertArrayEquals(new float[] {40, 41, 20, 21}, values(batch.features()));
        assertArrayEquals(new float[] {0, 1, 0, 0, 0, 1}, values(batch.labels()));
        assertEquals(3, feeder.batchesPerEpoch());
    }

    @Test
    void shouldGiveAShorterBatchWhenTheLastOneIsPartial() {
        MinibatchFeeder feeder = new MinibatchFeeder(FIVE, 2);

        MinibatchFeeder.Batch full = feeder.fill(null, 2, 2);
        assertArrayEquals(new float[] {20, 21, 30, 31}, values(full.features()));
        MinibatchFeeder.Batch last = feeder.fill(null, 4, 1);

        assertEquals(1, last.size());
        assertArrayEquals(new long[] {1, 2}, last.features().shape());
        assertArrayEquals(new float[] {40, 41}, values(last.features()));
        assertArrayEquals(new float[] {0, 1, 0}, values(last.labels()));
    }

    @Test
    void shouldReuseTheBatchArraysWhenFillingAgain() {
        MinibatchFeeder feeder = new MinibatchFeeder(FIVE, 2);
        MinibatchFeeder.Batch first = feeder.fill(null, 0, 2);

        MinibatchFeeder.Batch second = feeder.fill(null, 2, 2);

        assertSame(first.features(), second.features());
        assertArrayEquals(new float[] {0, 0, 1, 1, 0, 0}, values(second.labels()), "old one-hot bits are cleared");
    }

    @Test
    void shouldFeedTargetsAndSequenceShapesWhenDataIsRegressionOverSequences() {
        ArrayDataSet sequences = new ArrayDataSet("seq", new int[] {2, 3},
                new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, new Labels.Targets(new float[] {0.5f, -1f}));
        MinibatchFeeder feeder = new MinibatchFeeder(sequences, 4);

        MinibatchFeeder.Batch batch = feeder.fill(new int[] {1, 0}, 0, 2);

        assertArrayEquals(new long[] {2, 2, 3}, batch.features().shape());
        assertArrayEquals(new float[] {7, 8, 9, 10, 11, 12, 1, 2, 3, 4, 5, 6}, values(batch.features()));
        assertArrayEquals(new float[] {-1f, 0.5f}, values(batch.labels()));
    }

    @Test
    void shouldRejectWhenBatchSizeIsBelowOne() {
        assertThrows(IllegalArgumentException.class, () -> new MinibatchFeeder(FIVE, 0));
    }
}
