package io.averon.ps.round;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

@Tag("fast")
class RoundSettingsTest {

    @Test
    void shouldApplyDefaultsWhenOnlyExpectedWorkersIsSet() {
        RoundSettings settings = RoundSettings.builder().expectedWorkers(3).build();
        assertEquals(new RoundSettings(3, 60_000, 10_000, 2, new OuterOptimizer.Plain(), 0), settings);
    }

    @Test
    void shouldDefaultQuorumToMajorityWhenNotSet() {
        int[][] expectedAndQuorum = {{1, 1}, {2, 2}, {3, 2}, {4, 3}, {5, 3}, {8, 5}};
        for (int[] pair : expectedAndQuorum) {
            assertEquals(pair[1], RoundSettings.builder().expectedWorkers(pair[0]).build().quorum(),
                    "majority of " + pair[0]);
        }
    }

    @Test
    void shouldExplainWhenExpectedWorkersIsMissingOrBelowOne() {
        assertEquals("expectedWorkers must be set (the number of workers that train in each round)",
                message(RoundSettings.builder()));
        assertEquals("expectedWorkers must be >= 1 (the number of workers that train in each round), got 0",
                message(RoundSettings.builder().expectedWorkers(0)));
    }

    @Test
    void shouldExplainWhenTimeoutsAreNotPositive() {
        assertEquals("roundTimeoutMs must be > 0 (a round must never wait forever; the default is 60000), got 0",
                message(RoundSettings.builder().expectedWorkers(2).roundTimeoutMs(0)));
        assertEquals("heartbeatTimeoutMs must be > 0 (silence after which a worker is declared dead; the default"
                + " is 10000), got -1", message(RoundSettings.builder().expectedWorkers(2).heartbeatTimeoutMs(-1)));
    }

    @Test
    void shouldExplainWhenQuorumIsOutOfRange() {
        assertEquals("quorum must be between 1 and expectedWorkers (3), got 4; the default is a majority (2)",
                message(RoundSettings.builder().expectedWorkers(3).quorum(4)));
        assertEquals("quorum must be between 1 and expectedWorkers (3), got 0; the default is a majority (2)",
                message(RoundSettings.builder().expectedWorkers(3).quorum(0)));
        assertEquals(3, RoundSettings.builder().expectedWorkers(3).quorum(3).build().quorum());
    }

    @Test
    void shouldExplainWhenOuterOptimizerIsNull() {
        assertEquals("outerOptimizer must not be null; use new OuterOptimizer.Plain() for plain averaging",
                message(RoundSettings.builder().expectedWorkers(3).outerOptimizer(null)));
    }

    private static String message(RoundSettings.Builder builder) {
        return assertThrows(IllegalArgumentException.class, builder::build).getMessage();
    }
}
