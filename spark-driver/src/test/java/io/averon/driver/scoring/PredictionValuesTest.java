package io.averon.driver.scoring;

import org.apache.spark.sql.catalyst.InternalRow;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A record's prediction values: the best classes in order, as Spark's internal row. */
@Tag("fast")
class PredictionValuesTest {

    @Test
    void shouldRankTheBestClassesHighestFirstWithEqualScoresInClassOrder() {
        float[] scores = {0.1f, 0.3f, 0.05f, 0.3f, 0.25f};

        assertArrayEquals(new int[] {1, 3, 4}, PredictionValues.best(scores, 3));
        assertArrayEquals(new int[] {1}, PredictionValues.best(scores, 1));
        assertArrayEquals(new int[] {1, 3, 4, 0, 2}, PredictionValues.best(scores, 5));
        assertArrayEquals(new int[] {2, 1, 0}, PredictionValues.best(new float[] {0f, 0.5f, 1f}, 3), "ascending input");
    }

    @Test
    void shouldGiveThePredictedLabelItsProbabilityAndTheTopKWhenTheRecordWasScored() {
        InternalRow row = new PredictionValues(false, List.of("cat", "dog", "owl"), 2, null)
                .of(null, new float[] {0.2f, 0.7f, 0.1f});

        assertEquals("dog", row.getUTF8String(0).toString());
        assertEquals(0.7f, row.getDouble(1), 1e-7);
        assertEquals(2, row.getArray(2).numElements());
        assertEquals("cat", row.getArray(2).getStruct(1, 2).getUTF8String(0).toString());
        assertTrue(row.isNullAt(3), "no error");
    }
}
