package io.averon.deploy;

import io.averon.benchmarks.sim.AveragingMode;
import io.averon.benchmarks.sim.RunResult;
import io.averon.benchmarks.sim.RunSpec;
import io.averon.benchmarks.sim.SimulatedCluster;
import io.averon.benchmarks.sim.SimulatedRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sharded averaging across four simulated hosts (network namespaces on a bridge, 100 Mbit/s links,
 * {@code benchmarks/sim/sim-cluster.sh}), one JVM per host: with 1%, then 5%, of the datagrams of
 * two hosts dropped in both directions, every round's averaged vector is byte-identical to a
 * lossless run's with the same seeds. The test first asserts that the loss really happened (nftables counters)
 * and was repaired by Aeron (NAKs and retransmissions counted by the hosts' media drivers). Needs
 * root, iproute2 and nftables; skipped otherwise.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class SimulatedNetworkIT {

    private static final int HOSTS = 4;
    private static final int RATE_MBIT = 100;
    private static final int[] LOSS_PCTS = {1, 5};
    private static final int[] LOSSY_HOSTS = {1, 3};
    private static final RunSpec SPEC = RunSpec.builder().mode(AveragingMode.SHARDED).size(HOSTS, 1_000_000).rounds(4)
            .timeoutMs(40_000).build();

    @Test
    void shouldAverageEveryRoundBitIdenticallyWhenLinksDropOneOrFivePercentOfDatagrams(@TempDir Path dir) throws Exception {
        Path script = SimulatedNetworks.scriptOrSkip("SimulatedNetworkIT");
        String classpath = System.getProperty("java.class.path");
        String prefix = "avsim-" + ProcessHandle.current().pid();

        RunResult lossless;
        try (SimulatedCluster cluster = SimulatedCluster.up(script, prefix + "-a", HOSTS, RATE_MBIT, 0)) {
            lossless = SimulatedRun.execute(cluster, SPEC, Files.createDirectories(dir.resolve("lossless")), classpath);
        }
        for (int lossPct : LOSS_PCTS) {
            RunResult lossy;
            long droppedIn = 0;
            long droppedOut = 0;
            try (SimulatedCluster cluster = SimulatedCluster.up(script, prefix + "-" + lossPct, HOSTS, RATE_MBIT, 0)) {
                for (int host : LOSSY_HOSTS) {
                    cluster.loss(host, lossPct);
                }
                lossy = SimulatedRun.execute(cluster, SPEC, Files.createDirectories(dir.resolve("lossy-" + lossPct)),
                        classpath);
                for (int host : LOSSY_HOSTS) {
                    Map<String, long[]> counters = cluster.counters(host);
                    droppedIn += counters.get("lost_in")[0];
                    droppedOut += counters.get("lost_out")[0];
                }
            }

            // the fault happened, both ways, and Aeron repaired it
            assertTrue(droppedIn > 0 && droppedOut > 0, lossPct + "% loss: nftables dropped " + droppedIn
                    + " datagrams in and " + droppedOut + " out: the loss did not happen in both directions");
            assertTrue(lossy.driverCounter("naksSent") > 0 && lossy.driverCounter("retransmitsSent") > 0,
                    lossPct + "% loss: the media drivers counted no NAKs or retransmissions: " + lossy.driverCounters());
            // then the outcome: every worker checked every round exactly (SimulatedRun throws otherwise), and the
            // averaged vectors equal the lossless run's
            assertTrue(lossy.checkedValues() > 0 && lossless.checkedValues() > 0);
            assertEquals(SPEC.rounds(), lossy.digests().size());
            assertEquals(lossless.digests(), lossy.digests(), "SHA-256 of each round's averaged vector, lossless vs "
                    + lossPct + "% loss");
            System.out.printf("SimulatedNetworkIT: %d%% loss dropped %d in / %d out; NAKs %d, retransmits %d; median round"
                            + " %.3f s lossless, %.3f s lossy%n", lossPct, droppedIn, droppedOut,
                    lossy.driverCounter("naksSent"), lossy.driverCounter("retransmitsSent"),
                    lossless.medianRoundSeconds(), lossy.medianRoundSeconds());
        }
    }
}
