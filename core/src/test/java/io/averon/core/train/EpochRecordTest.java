package io.averon.core.train;

import io.averon.core.metrics.ClassificationMetrics;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;

/** An epoch's entry in metrics.json: what the distributed engine adds. */
@Tag("fast")
class EpochRecordTest {

    private static final EvaluationResult TEST = new EvaluationResult(new ClassificationMetrics(2, 1), null,
            List.of("a", "b"));

    static EpochRecord distributed(double[] roundLagSeconds) {
        return new EpochRecord(2, 0.5, null, TEST, 100, 4.0, new EpochRecord.Distributed(3, new double[] {1.5, 1.4, 0.2},
                new double[] {2.0, 2.1, 3.3}, new int[] {0, 0, 0}, new int[] {1, 1, 1}, roundLagSeconds));
    }

    @Test
    void shouldWriteEachWorkersRoundLagBesideItsSyncTimeWhenItWasMeasured() {
        double[] lag = {0.0, 0.05, 1.3};
        Map<String, Object> json = distributed(lag).toJson();

        assertSame(lag, json.get("round_lag_seconds_per_worker"));
        List<String> keys = new ArrayList<>(json.keySet());
        assertEquals(keys.indexOf("sync_seconds_per_worker") + 1, keys.indexOf("round_lag_seconds_per_worker"),
                "next to the sync time it explains: " + keys);
        assertEquals(1.5, json.get("sync_seconds"), "the slowest worker's sync time, as before");
    }

    @Test
    void shouldLeaveTheRoundLagOutWhenItWasNotMeasured() {
        Map<String, Object> json = distributed(null).toJson();

        assertFalse(json.containsKey("round_lag_seconds_per_worker"), json.keySet()::toString);
        assertEquals(3, json.get("workers"));
    }
}
