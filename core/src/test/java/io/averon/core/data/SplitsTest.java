package io.averon.core.data;

import io.averon.core.InvalidInputException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

@Tag("fast")
class SplitsTest {

    /** {@code n} one-feature examples whose feature is their index; labels alternate a/b. */
    private static ArrayDataSet indexed(int n) {
        float[] features = new float[n];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            features[i] = i;
            labels[i] = i % 2;
        }
        return new ArrayDataSet("d", new int[] {1}, features, new Labels.Classes(labels, List.of("a", "b")));
    }

    @Test
    void shouldGiveSameSplitWhenSeedIsTheSame() {
        ArrayDataSet data = indexed(20);
        Splits.Split first = Splits.random(data, 0.25, 42);
        Splits.Split second = Splits.random(data, 0.25, 42);
        assertArrayEquals(first.train().features(), second.train().features());
        assertArrayEquals(first.validation().features(), second.validation().features());
    }

    @Test
    void shouldGiveDifferentSplitWhenSeedDiffers() {
        ArrayDataSet data = indexed(20);
        float[] a = Splits.random(data, 0.25, 42).validation().features();
        float[] b = Splits.random(data, 0.25, 43).validation().features();
        assertFalse(Arrays.equals(a, b));
    }

    @Test
    void shouldPartitionAllExamplesWhenSplittingRandomly() {
        ArrayDataSet data = indexed(20);
        Splits.Split split = Splits.random(data, 0.25, 7);
        assertEquals(15, split.train().size());
        assertEquals(5, split.validation().size());
        float[] all = new float[20];
        System.arraycopy(split.train().features(), 0, all, 0, 15);
        System.arraycopy(split.validation().features(), 0, all, 15, 5);
        Arrays.sort(all);
        assertArrayEquals(data.features(), all);
        // labels travel with their examples
        float[] v = split.validation().features();
        int[] labels = split.validation().classes().values();
        for (int i = 0; i < v.length; i++) {
            assertEquals((int) v[i] % 2, labels[i]);
        }
    }

    @Test
    void shouldHoldOutTheLastExamplesInOrderWhenSplitIsTimeOrdered() {
        ArrayDataSet data = indexed(8);
        Splits.Split split = Splits.timeOrdered(data, 0.25);
        assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5}, split.train().features());
        assertArrayEquals(new float[] {6, 7}, split.validation().features());
        assertArrayEquals(new int[] {0, 1}, split.validation().classes().values());
    }

    @Test
    void shouldRejectFractionWhenItLeavesASideEmpty() {
        assertThrows(InvalidInputException.class, () -> Splits.random(indexed(3), 0.1, 1));
        assertThrows(InvalidInputException.class, () -> Splits.timeOrdered(indexed(10), 1.0));
    }

    @Test
    void shouldSayHowTheDataWasSplitInWords() {
        assertEquals("random 20% held out (seed 42)", new SplitSpec(SplitSpec.Kind.RANDOM, 0.2, 42).toString());
        assertEquals("time-ordered: the last 10% held out", new SplitSpec(SplitSpec.Kind.TIME_ORDERED, 0.1, 0).toString());
        assertEquals("the data set's own test split", SplitSpec.provided().toString());
    }
}
