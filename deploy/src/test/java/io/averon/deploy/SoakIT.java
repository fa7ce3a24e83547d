package io.averon.deploy;

import io.averon.benchmarks.sim.AveragingMode;
import io.averon.benchmarks.sim.RunResult;
import io.averon.benchmarks.sim.RunSpec;
import io.averon.benchmarks.sim.SimulatedCluster;
import io.averon.benchmarks.sim.SimulatedRun;
import io.averon.benchmarks.sim.SoakReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Issue 18, case 10, at suite size: the server and four workers on five simulated hosts run 300
 * rounds, every one checked exactly; each host JVM samples its heap, direct memory, threads, file
 * descriptors and Aeron directory every 50 rounds, and none grows beyond {@link SoakReport}'s bounds
 * from the first sample to the last. ({@code SoakBenchmark} runs 1,000 rounds; docs/benchmarks.md.)
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class SoakIT {

    @TempDir
    Path dir;

    @Test
    void shouldHoldHeapDirectMemoryThreadsDescriptorsAndAeronFilesSteadyOverThreeHundredRounds() throws Exception {
        Path script = SimulatedNetworks.scriptOrSkip("SoakIT");
        RunSpec spec = RunSpec.builder().mode(AveragingMode.SERVER).size(4, 20_000).rounds(300).sampleEvery(50)
                .timeoutMs(30_000).build();
        RunResult result;
        try (SimulatedCluster cluster = SimulatedCluster.up(script, "avsoak-" + ProcessHandle.current().pid(),
                spec.hosts(), 100, 0)) {
            result = SimulatedRun.execute(cluster, spec, dir, System.getProperty("java.class.path"));
        }
        SoakReport report = SoakReport.read(spec, dir);
        System.out.println("SoakIT: 300 rounds, median round " + result.medianRoundSeconds() + " s\n" + report.table());

        assertEquals(spec.rounds(), result.digests().size(), "every round closed, checked exactly by every worker");
        assertEquals(List.of(), report.breaches(), "growth beyond the bounds:\n" + report.table());
    }
}
