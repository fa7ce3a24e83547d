package io.averon.benchmarks;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SampleStatsTest {

    @Test
    void shouldTakeTheMiddleValueWhenTheCountIsOdd() {
        assertEquals(7.0, SampleStats.median(List.of(9.0, 1.0, 7.0, 8.0, 2.0)));
    }

    @Test
    void shouldAverageTheTwoMiddleValuesWhenTheCountIsEven() {
        assertEquals(4.5, SampleStats.median(List.of(10.0, 3.0, 6.0, 1.0)));
    }

    @Test
    void shouldGiveTheLargestValueAsBest() {
        assertEquals(10.0, SampleStats.max(List.of(3.0, 10.0, 6.0)));
        assertEquals(-1.0, SampleStats.max(List.of(-1.0)));
    }

    @Test
    void shouldRejectNoValues() {
        assertThrows(IllegalArgumentException.class, () -> SampleStats.median(List.of()));
    }
}
