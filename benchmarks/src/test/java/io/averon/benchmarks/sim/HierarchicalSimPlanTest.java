package io.averon.benchmarks.sim;

import io.averon.ps.round.WeightedMean;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The simulator's plans and expected values for hierarchical rounds, without a network: the
 * two-level mean it checks against, the bounds it reports, and the host JVM's arguments.
 */
class HierarchicalSimPlanTest {

    private static final SyntheticContributions CONTRIBUTIONS = new SyntheticContributions(42);
    private static final int WORKERS = 10;

    @Test
    void shouldGiveTheFlatMeanBitForBitWhenEveryGroupHasOneWorker() {
        for (long round = 1; round <= 3; round++) {
            for (int index = 0; index < 2_000; index++) {
                assertEquals(Float.floatToRawIntBits(CONTRIBUTIONS.expectedMean(round, WORKERS, index)),
                        Float.floatToRawIntBits(CONTRIBUTIONS.expectedMean(round, WORKERS, 1, index)));
            }
        }
    }

    @Test
    void shouldGiveWhatTheGroupThenTheRoundsComputeWhenWorkersAreGrouped() {
        int count = 500;
        int groupSize = 4; // groups {0-3}, {4-7}, {8, 9}
        long round = 7;
        int groups = (WORKERS + groupSize - 1) / groupSize;
        float[][] groupMeans = new float[groups][count];
        double[] groupSamples = new double[groups];
        long total = 0;
        for (int g = 0; g < groups; g++) {
            int members = Math.min(groupSize, WORKERS - g * groupSize);
            float[][] vectors = new float[members][count];
            double[] weights = new double[members];
            for (int k = 0; k < members; k++) {
                CONTRIBUTIONS.fill(round, g * groupSize + k, vectors[k], count);
                weights[k] = CONTRIBUTIONS.samples(round, g * groupSize + k);
                groupSamples[g] += weights[k];
            }
            WeightedMean.into(groupMeans[g], count, vectors, weights, members, groupSamples[g]); // TaskGroup
            total += (long) groupSamples[g];
        }
        float[] global = new float[count];
        WeightedMean.into(global, count, groupMeans, groupSamples, groups, total); // the server or the owners
        int differFromFlat = 0;
        for (int i = 0; i < count; i++) {
            assertEquals(Float.floatToRawIntBits(global[i]),
                    Float.floatToRawIntBits(CONTRIBUTIONS.expectedMean(round, WORKERS, groupSize, i)), "index " + i);
            differFromFlat += global[i] == CONTRIBUTIONS.expectedMean(round, WORKERS, i) ? 0 : 1;
        }
        assertTrue(differFromFlat > 0, "the two-level mean rounds differently from the flat one somewhere");
    }

    @Test
    void shouldBoundHierarchicalRoundsByTheHostsNotTheWorkers() {
        int rate = 100;
        double vectorSeconds = 1_000_000 * 4.0 / (rate * 125_000.0);
        RunSpec.Builder fourByFour = RunSpec.builder().size(16, 1_000_000).workersPerHost(4);
        RunSpec flat = fourByFour.build();
        RunSpec hierarchical = fourByFour.hierarchical(true).build();
        assertEquals(4, hierarchical.upstreamWorkers());
        assertEquals(2 * 4 * vectorSeconds * 12 / 16, ScaleOutBenchmark.boundSeconds(flat, rate), 1e-9);
        assertEquals(2 * vectorSeconds * 3 / 4, ScaleOutBenchmark.boundSeconds(hierarchical, rate), 1e-9);
        assertEquals(ScaleOutBenchmark.idealBytesPerHost(flat) / 4, ScaleOutBenchmark.idealBytesPerHost(hierarchical), 1e-3);

        RunSpec.Builder server = RunSpec.builder().mode(AveragingMode.SERVER).size(16, 1_000_000).workersPerHost(4);
        RunSpec flatServer = server.build();
        RunSpec hierarchicalServer = server.hierarchical(true).build();
        assertEquals(2 * 16 * vectorSeconds, ScaleOutBenchmark.boundSeconds(flatServer, rate), 1e-9);
        assertEquals(2 * 4 * vectorSeconds, ScaleOutBenchmark.boundSeconds(hierarchicalServer, rate), 1e-9);
        assertEquals(4 * 2 * 4_000_000.0, ScaleOutBenchmark.idealBytesPerHost(flatServer), 1e-3);
        assertEquals(2 * 4_000_000.0, ScaleOutBenchmark.idealBytesPerHost(hierarchicalServer), 1e-3);
    }

    @Test
    void shouldReadBackTheHostPlanItsJvmIsStartedWith() {
        HostPlan plan = new HostPlan(Path.of("/tmp/x"), AveragingMode.SHARDED, 10, 8, 2, 4, true, "198.18.0.3",
                1_000, 3, 42, 8192, 65536, 5_000, 10_000, 10, "/tmp/x/state", 100);
        assertEquals(plan, HostPlan.parse(plan.toArgs().toArray(String[]::new)));
        assertEquals(3, plan.upstreamWorkers());
        assertEquals(4, plan.groupSize());
    }
}
