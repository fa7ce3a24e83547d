package io.averon.deploy;

import io.averon.benchmarks.sim.AveragingMode;
import io.averon.benchmarks.sim.RunResult;
import io.averon.benchmarks.sim.RunSpec;
import io.averon.benchmarks.sim.SimulatedCluster;
import io.averon.benchmarks.sim.SimulatedRun;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The parameter server's rounds on a bad network (issue 18), on four simulated hosts: the server
 * on host 0, one worker on each of hosts 1-3 (network namespaces on a bridge, 100 Mbit/s links,
 * {@code benchmarks/sim/sim-cluster.sh}; one JVM per host, synthetic contributions checked against
 * the exact mean). Each test first asserts that its fault happened (nftables counters, a measured
 * stall, a stopped process), then the outcome: the lossless run's averaged vectors, byte for byte,
 * or a fast failure that names the cause. Needs root, iproute2 and nftables; skipped otherwise.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class NetworkFaultsIT {

    private static final int HOSTS = 4;
    private static final int RATE_MBIT = 100;
    /** Bounds every wait in the host JVMs, and is the round timeout (the heartbeat timeout is 10 s). */
    private static final long TIMEOUT_MS = 20_000;
    private static final RunSpec SPEC = spec().build();
    /** The heartbeat timeout of the long-partition cases: the partition lasts longer. */
    private static final long SHORT_HEARTBEAT_MS = 5_000;
    /** A partition longer than {@link #SHORT_HEARTBEAT_MS} and shorter than a worker's own grace before it gives up (15 s). */
    private static final long LONG_PARTITION_MS = 8_000;
    /** How long after the server is cut off every worker must have failed: heartbeat timeout 10 s + 15 s margin. */
    private static final long SERVER_LOSS_DETECTED_MS = 25_000;

    @TempDir
    static Path shared;
    private static Path script;
    private static String classpath;
    private static RunResult lossless;

    @TempDir
    Path dir;

    @BeforeAll
    static void runLossless() throws Exception {
        script = SimulatedNetworks.scriptOrSkip("NetworkFaultsIT");
        classpath = System.getProperty("java.class.path");
        try (SimulatedCluster cluster = cluster("l")) {
            lossless = SimulatedRun.execute(cluster, SPEC, Files.createDirectories(shared.resolve("lossless")), classpath);
        }
    }

    /** Case 1: loss on the server's link and on a worker's, both directions. */
    @Test
    void shouldAverageEveryRoundExactlyWhenTheServersAndAWorkersLinksDropOneOrFivePercent() throws Exception {
        for (int pct : new int[] {1, 5}) {
            RunResult lossy;
            Map<String, long[]> server;
            Map<String, long[]> worker;
            try (SimulatedCluster cluster = cluster("p" + pct)) {
                cluster.loss(0, pct);
                cluster.loss(2, pct);
                lossy = SimulatedRun.execute(cluster, SPEC, Files.createDirectories(dir.resolve("loss-" + pct)),
                        classpath);
                server = cluster.counters(0);
                worker = cluster.counters(2);
            }

            for (Map<String, long[]> host : List.of(server, worker)) {
                assertTrue(host.get("lost_in")[0] > 0 && host.get("lost_out")[0] > 0,
                        pct + "% loss: the datagrams were not dropped both ways: " + host.get("lost_in")[0] + " in, "
                                + host.get("lost_out")[0] + " out");
            }
            assertTrue(lossy.driverCounter("naksSent") > 0, pct + "% loss: no NAK was sent: " + lossy.driverCounters());
            assertEquals(lossless.digests(), lossy.digests(), pct + "% loss: each round's averaged vector (SHA-256)");
            System.out.printf("NetworkFaultsIT: %d%% loss on the server's and worker 1's links: dropped %d+%d (server), "
                            + "%d+%d (worker); NAKs %d; median round %.3f s (lossless %.3f s)%n", pct,
                    server.get("lost_in")[0], server.get("lost_out")[0], worker.get("lost_in")[0],
                    worker.get("lost_out")[0], lossy.driverCounter("naksSent"), lossy.medianRoundSeconds(),
                    lossless.medianRoundSeconds());
        }
    }

    /** Case 2: asymmetric loss, 30% of a worker's control datagrams (status messages, NAKs, heartbeats) only. */
    @Test
    void shouldAverageEveryRoundExactlyWhenThirtyPercentOfAWorkersControlDatagramsAreDropped() throws Exception {
        RunResult result;
        Map<String, long[]> worker;
        try (SimulatedCluster cluster = cluster("a")) {
            cluster.controlLoss(2, 30);
            result = SimulatedRun.execute(cluster, SPEC, dir, classpath);
            worker = cluster.counters(2);
        }

        long dropped = worker.get("ctl_out")[0];
        long sent = worker.get("ctl_sent")[0];
        assertTrue(dropped > 0 && dropped < sent, "30% of the control datagrams dropped: " + dropped + " of "
                + (dropped + sent));
        assertEquals(lossless.digests(), result.digests(), "each round's averaged vector (SHA-256)");
        System.out.printf("NetworkFaultsIT: worker 1's control datagrams: %d of %d dropped; median round %.3f s "
                + "(lossless %.3f s)%n", dropped, dropped + sent, result.medianRoundSeconds(), lossless.medianRoundSeconds());
    }

    /**
     * Case 7 (suite size): one worker's link at a tenth of the others' rate: rounds wait for it, no
     * retransmit storm, and the server names it: its contributions completed last, by about its
     * link's time per round (every worker waits about as long for the average, so their own wait
     * would not tell).
     */
    @Test
    void shouldWaitForAWorkerOnATenTimesSlowerLinkAtTheLinksRate() throws Exception {
        int slowMbit = RATE_MBIT / 10;
        int slowWorker = 1;
        int slowHost = 2; // the server's is host 0, worker w's host w + 1
        RunResult result;
        Map<String, long[]> slow;
        Properties server;
        try (SimulatedCluster cluster = cluster("r")) {
            cluster.rate(slowHost, slowMbit);
            try (SimulatedRun.Running run = SimulatedRun.start(cluster, SPEC, dir, classpath)) {
                assertEquals(slowHost, run.hostOf(slowWorker));
                result = run.finish();
                server = run.serverCounters(); // published after the last round closed: the server outlives the workers
            }
            slow = cluster.counters(slowHost);
        }

        // the worker pushes its vector and receives the average: twice the vector over its link, at best
        double linkSeconds = 2.0 * SPEC.parameters() * Float.BYTES / (slowMbit * 125_000.0);
        double round = result.medianRoundSeconds();
        assertTrue(round >= 0.9 * linkSeconds, "rounds waited for the slow link: " + round + " s, the link needs "
                + linkSeconds + " s");
        assertTrue(round <= 4 * linkSeconds + lossless.medianRoundSeconds(), "no more than a few times the link's "
                + "time: " + round + " s for " + linkSeconds + " s");
        assertTrue(result.driverCounter("retransmitsSent") <= result.driverCounter("naksSent") + 100,
                "no retransmit storm: " + result.driverCounters());
        assertEquals(lossless.digests(), result.digests(), "each round's averaged vector (SHA-256)");

        long[] lagMs = new long[SPEC.workers()];
        long othersMs = 0;
        for (int w = 0; w < lagMs.length; w++) {
            lagMs[w] = Long.parseLong(server.getProperty("lagMs." + w));
            othersMs += w == slowWorker ? 0 : lagMs[w];
        }
        // every round starts at a barrier, and the others' pushes take a tenth of its push's time (a third
        // when they share the server's link): its contribution completes at least half its push time later
        double pushSeconds = linkSeconds / 2;
        assertTrue(lagMs[slowWorker] >= 1000 * SPEC.rounds() * pushSeconds / 2, "the server measured worker "
                + slowWorker + "'s contributions late by most of its push's time per round: " + Arrays.toString(lagMs)
                + " ms over " + SPEC.rounds() + " rounds; its push needs " + pushSeconds + " s");
        assertTrue(lagMs[slowWorker] > othersMs, "by far the latest: " + Arrays.toString(lagMs) + " ms");
        System.out.printf("NetworkFaultsIT: worker 1's link at %d Mbit/s: median round %.3f s (the link needs %.3f s; "
                        + "lossless %.3f s); tbf dropped %d out, %d in; retransmits %d; contributions late by %s ms "
                        + "over %d rounds%n", slowMbit, round, linkSeconds, lossless.medianRoundSeconds(),
                slow.get("tbf_out")[0], slow.get("tbf_in")[0], result.driverCounter("retransmitsSent"),
                Arrays.toString(lagMs), SPEC.rounds());
    }

    /**
     * Case 8: a worker host's link MTU set to 1,200 among 9,000-byte links. With the default 8 KiB
     * frames the server's datagrams of that size are dropped at that link (the bridge drops frames
     * too large for it and sends no ICMP): the worker's join fails at start, within 10 s of the
     * server's start (the round timeout is 20 s), naming the server, the MTU and the {@code --mtu}
     * that fits; with the value it names every round averages exactly and nothing is fragmented.
     */
    @Test
    void shouldFailAtStartNamingTheMtuThatFitsAndAverageExactlyWithItWhenAWorkersLinkMtuIs1200() throws Exception {
        int linkMtu = 1200;
        int worker = 1;
        long detectedMs = 10_000;
        String failure;
        long failedAfterMs;
        java.util.Properties server;
        Map<String, long[]> faulty;
        RunResult fitted;
        Map<String, long[]> before;
        Map<String, long[]> after;
        int suggested;
        String address;
        try (SimulatedCluster cluster = cluster("m")) {
            address = cluster.address(0) + ":";
            cluster.mtu(run(worker), linkMtu);
            try (SimulatedRun.Running run = SimulatedRun.start(cluster, SPEC,
                    Files.createDirectories(dir.resolve("default")), classpath)) {
                awaitFailures(run, List.of(worker), detectedMs + 30_000); // + the JVMs' start
                String text = Files.readString(run.directory().resolve("failed-" + worker + ".txt"));
                failure = text.substring(text.indexOf('\n') + 1);
                // from when the server published its address, as the workers began to join
                failedAfterMs = Long.parseLong(text.substring(0, text.indexOf('\n')))
                        - Files.getLastModifiedTime(run.directory().resolve("server")).toMillis();
                server = run.serverCounters();
            }
            faulty = cluster.counters(run(worker));
            java.util.regex.Matcher fix = java.util.regex.Pattern.compile("set --mtu (\\d+) ").matcher(failure);
            assertTrue(fix.find(), "the error names the --mtu to set: " + failure);
            suggested = Integer.parseInt(fix.group(1));
            RunSpec fitting = spec().mtu(suggested, 64 * 1024).build();
            before = cluster.counters(run(worker));
            fitted = SimulatedRun.execute(cluster, fitting, Files.createDirectories(dir.resolve("fitted")), classpath);
            after = cluster.counters(run(worker));
        }

        assertEquals(linkMtu, faulty.get("link_mtu")[1], "the worker host's link MTU");
        assertTrue(faulty.get("oversize_in")[0] > 0, "the bridge dropped frames too large for the worker's link");
        assertTrue(failure.startsWith("io.averon.ps.MtuMismatchException: ") && !failure.strip().contains("\n"),
                "one line: " + failure);
        assertTrue(failure.contains("datagrams of 8192 bytes (the MTU) reach the parameter server at " + address)
                && failure.contains("but its answers of that size do not come back"), "names the MTU, the server and "
                + "the direction: " + failure);
        assertEquals(io.averon.ps.transport.Ports.mtuForLink(linkMtu), suggested, "the --mtu that fits a 1,200-byte link");
        assertTrue(failure.contains("(spark.averon.mtu)"), failure);
        assertTrue(failedAfterMs <= detectedMs, "failed " + failedAfterMs + " ms after the server started");
        assertTrue(Long.parseLong(server.getProperty("handshakeBytesOut")) <= Long.parseLong(
                server.getProperty("handshakeBytesIn")), "the server answered no more bytes than it received: " + server);

        assertEquals(before.get("frag_creates")[1], after.get("frag_creates")[1], "with --mtu " + suggested
                + " nothing fragmented");
        assertEquals(before.get("oversize_in")[0], after.get("oversize_in")[0], "and nothing dropped at the link");
        assertEquals(lossless.digests(), fitted.digests(), "with --mtu " + suggested + ": each round's averaged vector "
                + "(SHA-256)");
        System.out.printf("NetworkFaultsIT: worker 1's link MTU %d, 8 KiB frames: failed %d ms after the server "
                        + "started (%d frames dropped at the link; handshake bytes in %s, out %s): %s%n", linkMtu,
                failedAfterMs, faulty.get("oversize_in")[0], server.getProperty("handshakeBytesIn"),
                server.getProperty("handshakeBytesOut"), failure.strip());
        System.out.printf("NetworkFaultsIT: worker 1's link MTU %d, --mtu %d: median round %.3f s (lossless, 8 KiB "
                + "frames: %.3f s)%n", linkMtu, suggested, fitted.medianRoundSeconds(), lossless.medianRoundSeconds());
    }

    /**
     * Case 9: two jobs (other secrets, other ports) on the same hosts at the same time: each averages
     * exactly, and neither server refused anything (nothing of the other job reached it).
     */
    @Test
    void shouldKeepTwoJobsOnTheSameHostsApartWhenTheyTrainAtTheSameTime() throws Exception {
        RunSpec other = spec().seed(SPEC.seed() + 1).build();
        RunResult first;
        RunResult second;
        java.util.Properties firstServer;
        java.util.Properties secondServer;
        try (SimulatedCluster cluster = cluster("j");
             SimulatedRun.Running a = SimulatedRun.start(cluster, SPEC, Files.createDirectories(dir.resolve("a")),
                     classpath);
             SimulatedRun.Running b = SimulatedRun.start(cluster, other, Files.createDirectories(dir.resolve("b")),
                     classpath)) {
            // both jobs' rounds 2-4 at the same time: hold each job before round 2, then release both
            a.hold(0, 2);
            b.hold(0, 2);
            a.awaitHeld(0, 2);
            b.awaitHeld(0, 2);
            a.release(0, 2);
            b.release(0, 2);
            first = a.finish();
            second = b.finish();
            firstServer = a.serverCounters();
            secondServer = b.serverCounters();
        }

        assertTrue(first.timedFromNs() < second.timedToNs() && second.timedFromNs() < first.timedToNs(),
                "the two jobs' rounds overlapped in time");
        assertEquals(lossless.digests(), first.digests(), "the first job's rounds (SHA-256), as when alone");
        assertEquals(other.rounds(), second.digests().size(), "the second job closed every round, exactly (checked "
                + "against its exact mean by every worker)");
        assertTrue(!first.digests().equals(second.digests()), "two jobs, two seeds: other vectors");
        assertEquals("0", firstServer.getProperty("refused"), "the first server refused nothing: " + firstServer);
        assertEquals("0", secondServer.getProperty("refused"), "the second server refused nothing: " + secondServer);
        System.out.printf("NetworkFaultsIT: two jobs at once on the same hosts: median rounds %.3f s and %.3f s "
                + "(alone %.3f s); servers refused %s and %s%n", first.medianRoundSeconds(), second.medianRoundSeconds(),
                lossless.medianRoundSeconds(), firstServer.getProperty("refused"), secondServer.getProperty("refused"));
    }

    /** Case 3: a worker cut off for 2 s in the middle of a round, less than the liveness timeouts. */
    @Test
    void shouldCompleteTheRoundExactlyWhenAWorkerIsCutOffForTwoSeconds() throws Exception {
        RunResult result;
        Map<String, long[]> cut;
        long declaredDead;
        try (SimulatedCluster cluster = cluster("s");
             SimulatedRun.Running run = SimulatedRun.start(cluster, SPEC, dir, classpath)) {
            run.hold(1, 2); // the worker pushes round 2 only once it is cut off
            run.awaitHeld(1, 2);
            cluster.partition(run.hostOf(1), true);
            run.release(1, 2);
            Thread.sleep(2_000);
            cut = cluster.counters(run.hostOf(1)); // healing deletes the rule and its counters
            cluster.partition(run.hostOf(1), false);
            result = run.finish();
            declaredDead = Long.parseLong(run.serverCounters().getProperty("workersDeclaredDead"));
        }

        assertTrue(cut.get("cut_in")[0] > 0 || cut.get("cut_out")[0] > 0, "the partition dropped nothing");
        double stalled = result.roundNs()[1] / 1e9;
        assertTrue(stalled >= 1.5, "round 2 waited for the cut-off worker: " + stalled + " s");
        assertEquals(0, declaredDead, "a 2 s partition declares no worker dead");
        assertEquals(lossless.digests(), result.digests(), "each round's averaged vector (SHA-256)");
        System.out.printf("NetworkFaultsIT: worker 1 cut off 2 s: %d datagrams dropped in, %d out; round 2 took %.2f s "
                        + "(rounds %s ns); media drivers: %s%n", cut.get("cut_in")[0], cut.get("cut_out")[0], stalled,
                java.util.Arrays.toString(result.roundNs()), result.driverCounters());
    }

    /**
     * Case 4, with a quorum (2 of 3): a worker cut off longer than the heartbeat timeout, before its
     * push of round 2, is declared dead and named; rounds 2-4 close without it, each exactly the
     * others' mean; when the partition heals it is refused (its heartbeat, or its late push) and
     * counted, and no later round holds it.
     */
    @Test
    void shouldCloseRoundsWithoutAWorkerCutOffPastTheHeartbeatTimeoutAndRefuseItsLatePush() throws Exception {
        int cut = 2;
        RunSpec quorate = spec().heartbeatTimeoutMs(SHORT_HEARTBEAT_MS).quorum(2).build();
        SimulatedRun.Outcome outcome;
        Map<String, long[]> dropped;
        java.util.Properties whileCut;
        String serverLog;
        try (SimulatedCluster cluster = cluster("q");
             SimulatedRun.Running run = SimulatedRun.start(cluster, quorate, dir, classpath)) {
            run.hold(cut, 2);
            run.awaitHeld(cut, 2);
            cluster.partition(run.hostOf(cut), true);
            Thread.sleep(LONG_PARTITION_MS);
            whileCut = run.serverCounters();
            dropped = cluster.counters(run.hostOf(cut));
            cluster.partition(run.hostOf(cut), false);
            run.release(cut, 2); // the zombie pushes round 2, long closed without it
            outcome = run.outcome(TIMEOUT_MS + 20_000);
            serverLog = run.log(0);
        }

        assertTrue(dropped.get("cut_in")[0] > 0 && dropped.get("cut_out")[0] > 0, "the partition dropped both ways: "
                + dropped.get("cut_in")[0] + " in, " + dropped.get("cut_out")[0] + " out");
        assertEquals("1", whileCut.getProperty("workersDeclaredDead"), "declared dead while cut off: " + whileCut);
        assertEquals("2", whileCut.getProperty("roundsClosed"), "round 2 closed without it: " + whileCut);
        assertTrue(serverLog.contains("round 2 closed without workers [" + cut + "]"), "the server names it:\n"
                + serverLog);
        // healed, the zombie is refused: its push (round 2 is not open), or first its heartbeat (not joined)
        String zombie = outcome.failures().get(cut);
        assertTrue(zombie != null && (zombie.contains("round 2 is not open")
                || zombie.contains("worker " + cut + " is not joined (declared dead or left)")), "refused: " + outcome);
        assertTrue(outcome.serverCounter("refused") > Long.parseLong(whileCut.getProperty("refused")),
                "the server counted the refusals: " + outcome.server());
        assertEquals(0, outcome.serverCounter("roundsFailed"), outcome.server().toString());
        assertEquals(4, outcome.serverCounter("roundsClosed"), outcome.server().toString());
        // round 2 left it out; rounds 3 and 4 too unless its LEAVE (sent as it failed) came first
        long excluded = outcome.serverCounter("workersExcluded");
        assertTrue(excluded >= 1 && excluded <= 3, "excluded from rounds 2-4: " + outcome.server());
        for (int w : List.of(0, 1)) {
            java.util.Properties result = outcome.results().get(w);
            assertEquals("0", result.getProperty("mismatches"), "worker " + w + ": every round exact");
            assertEquals("[0, 1, 2]", result.getProperty("round.1.contributors"));
            for (int r = 2; r <= 4; r++) {
                assertEquals("[0, 1]", result.getProperty("round." + r + ".contributors"), "worker " + w + ", round "
                        + r + ": exactly the mean of workers 0 and 1");
                assertEquals(outcome.results().get(0).getProperty("round." + r + ".sha256"),
                        result.getProperty("round." + r + ".sha256"));
            }
        }
        assertEquals(lossless.digests().get(0), outcome.results().get(0).getProperty("round.1.sha256"));
        assertEquals(1, outcome.exitCodes().get(run(cut)), "the zombie's JVM exited with 1");
        System.out.printf("NetworkFaultsIT: worker %d cut off %d ms (heartbeat timeout %d ms): dropped %d in, %d out; "
                        + "rounds 2-4 closed without it; healed, it was refused: %s; server: %s%n", cut, LONG_PARTITION_MS,
                SHORT_HEARTBEAT_MS, dropped.get("cut_in")[0], dropped.get("cut_out")[0],
                zombie.lines().findFirst().orElse(""), outcome.server());
    }

    /**
     * Case 4, below the quorum (all 3): the same long partition fails round 2 at its timeout, every
     * other worker naming the missing one; a resumed run (the server restarted on its state
     * directory, the workers joining again) continues from round 2, the last closed being 1: rounds
     * 2-4 as in the undisturbed run, none skipped or repeated.
     */
    @Test
    void shouldFailNamingAWorkerCutOffBelowTheQuorumAndResumeFromTheLastClosedRound() throws Exception {
        int cut = 2;
        Path state = dir.resolve("server-state");
        RunSpec resumable = spec().heartbeatTimeoutMs(SHORT_HEARTBEAT_MS).stateDirectory(state).build();
        SimulatedRun.Outcome failed;
        SimulatedRun.Outcome resumed;
        try (SimulatedCluster cluster = cluster("b")) {
            try (SimulatedRun.Running run = SimulatedRun.start(cluster, resumable,
                    Files.createDirectories(dir.resolve("failed")), classpath)) {
                run.hold(cut, 2);
                run.awaitHeld(cut, 2);
                cluster.partition(run.hostOf(cut), true);
                awaitFailures(run, List.of(0, 1), TIMEOUT_MS + 20_000);
                cluster.partition(run.hostOf(cut), false);
                run.release(cut, 2);
                failed = run.outcome(TIMEOUT_MS + 20_000);
            }
            try (SimulatedRun.Running run = SimulatedRun.start(cluster, resumable,
                    Files.createDirectories(dir.resolve("resumed")), classpath)) {
                resumed = run.outcome(TIMEOUT_MS * 6);
            }
        }

        assertEquals(1, failed.serverCounter("roundsFailed"), failed.server().toString());
        assertEquals(1, failed.serverCounter("roundsClosed"), "round 1 closed before the cut: " + failed.server());
        for (int w : List.of(0, 1)) {
            assertTrue(failed.failures().get(w).contains("missing workers [" + cut + "]"),
                    "worker " + w + "'s error names the cut-off worker: " + failed.failures().get(w));
        }
        for (int w = 0; w < SPEC.workers(); w++) {
            assertEquals(0, resumed.exitCodes().get(run(w)), "resumed: worker " + w + " finished: " + resumed);
            java.util.Properties result = resumed.results().get(w);
            assertEquals("0", result.getProperty("mismatches"));
            assertEquals(null, result.getProperty("round.1.sha256"), "round 1 (closed before) is not repeated");
            for (int r = 2; r <= 4; r++) {
                assertEquals(lossless.digests().get(r - 1), result.getProperty("round." + r + ".sha256"),
                        "resumed: worker " + w + "'s round " + r + " as in the undisturbed run");
            }
        }
        System.out.printf("NetworkFaultsIT: worker %d cut off below the quorum: others failed with: %s; resumed from "
                + "round 2: rounds 2-4 exact; server: %s%n", cut, failed.failures().get(0).lines().findFirst().orElse(""),
                resumed.server());
    }

    /** Case 5: the server cut off from everyone mid-round: every worker fails fast, naming it. */
    @Test
    void shouldFailEveryWorkerFastNamingTheServerWhenTheServerIsCutOffMidRound() throws Exception {
        SimulatedRun.Outcome outcome;
        Map<String, long[]> cut;
        long cutAtMs;
        String server;
        try (SimulatedCluster cluster = cluster("c");
             SimulatedRun.Running run = SimulatedRun.start(cluster, SPEC, dir, classpath)) {
            server = cluster.address(0) + ":";
            // every worker held before its push of round 2, so that the cut comes before any of them has the result
            for (int w = 0; w < SPEC.workers(); w++) {
                run.hold(w, 2);
            }
            for (int w = 0; w < SPEC.workers(); w++) {
                run.awaitHeld(w, 2);
            }
            cutAtMs = System.currentTimeMillis();
            cluster.partition(0, true);
            for (int w = 0; w < SPEC.workers(); w++) {
                run.release(w, 2);
            }
            outcome = run.outcome(SERVER_LOSS_DETECTED_MS + 30_000);
            cut = cluster.counters(0);
        }

        assertTrue(cut.get("cut_in")[0] > 0, "the server received nothing while cut off? " + cut.get("cut_in")[0]);
        for (int w = 0; w < SPEC.workers(); w++) {
            assertTrue(outcome.failures().containsKey(w), "worker " + w + " did not fail: " + outcome);
            assertTrue(outcome.failures().get(w).contains(server), "worker " + w + "'s error names " + server + ": "
                    + outcome.failures().get(w));
            long afterMs = outcome.failedAtMs().get(w) - cutAtMs;
            assertTrue(afterMs <= SERVER_LOSS_DETECTED_MS, "worker " + w + " failed " + afterMs + " ms after the cut");
            System.out.printf("NetworkFaultsIT: server cut off; worker %d failed after %d ms: %s%n", w, afterMs,
                    outcome.failures().get(w).lines().findFirst().orElse(""));
        }
        for (int host = 1; host < HOSTS; host++) {
            assertEquals(1, outcome.exitCodes().get(host), "worker host " + host + "'s JVM exited (no hang), with 1");
        }
    }

    /**
     * Case 6: a hung worker (SIGSTOP, not killed): the round times out naming it; once resumed
     * (SIGCONT), its stale push of the failed round is refused and counted, never averaged.
     */
    @Test
    void shouldNameAStoppedWorkerAndNeverAverageItAfterItResumes() throws Exception {
        int stopped = 2;
        SimulatedRun.Outcome outcome;
        java.util.Properties whileStopped;
        long stoppedForMs;
        try (SimulatedCluster cluster = cluster("h");
             SimulatedRun.Running run = SimulatedRun.start(cluster, SPEC, dir, classpath)) {
            run.hold(stopped, 2);
            run.awaitHeld(stopped, 2);
            long pid = run.pid(run.hostOf(stopped));
            signal("STOP", pid);
            long stoppedAt = System.nanoTime();
            assertEquals("T", stoppedState(pid), "the worker's JVM is stopped");
            run.release(stopped, 2);
            awaitFailures(run, List.of(0, 1), TIMEOUT_MS + 20_000);
            whileStopped = run.serverCounters();
            stoppedForMs = (System.nanoTime() - stoppedAt) / 1_000_000;
            signal("CONT", pid);
            outcome = run.outcome(TIMEOUT_MS + 20_000);
        }

        assertEquals("1", whileStopped.getProperty("workersDeclaredDead"), "the stopped worker was declared dead: "
                + whileStopped);
        for (int w : List.of(0, 1)) {
            assertTrue(outcome.failures().get(w).contains("missing workers [" + stopped + "]"),
                    "worker " + w + "'s error names the stopped worker: " + outcome.failures().get(w));
        }
        String resumed = outcome.failures().get(stopped);
        // resumed, the worker fails with the first answer waiting for it: the round's failure (queued
        // while it was stopped), or the refusal of its stale push; the push is refused either way (below)
        assertTrue(resumed != null && (resumed.contains("round 2 is not open")
                || resumed.contains("round 2 timed out")), "the resumed worker failed, told why: " + outcome);
        long staleRefused = outcome.serverCounter("refused.wrong_round")
                - Long.parseLong(whileStopped.getProperty("refused.wrong_round", "0"));
        assertTrue(staleRefused > 0, "the server counted the stale push's refusals: " + outcome.server());
        assertEquals(whileStopped.getProperty("roundsClosed"), outcome.server().getProperty("roundsClosed"),
                "no round closed with the stale push: " + outcome.server());
        assertEquals(1, outcome.exitCodes().get(run(stopped)), "the resumed worker's JVM exited with 1");
        System.out.printf("NetworkFaultsIT: worker %d stopped %d ms: others failed with: %s; resumed: %s; %d stale "
                        + "chunks refused; server: %s%n", stopped, stoppedForMs,
                outcome.failures().get(0).lines().findFirst().orElse(""), resumed.lines().findFirst().orElse(""),
                staleRefused, outcome.server());
    }

    /** The runs of this class: the server and 3 workers, 200,000 parameters, 4 rounds, every wait bounded by {@link #TIMEOUT_MS}. */
    private static RunSpec.Builder spec() {
        return RunSpec.builder().mode(AveragingMode.SERVER).size(3, 200_000).rounds(4).timeoutMs(TIMEOUT_MS);
    }

    /** Worker {@code worker}'s host in {@link #SPEC} (the server is host 0). */
    private static int run(int worker) {
        return worker + 1;
    }

    private static SimulatedCluster cluster(String name) {
        return SimulatedCluster.up(script, "avf-" + ProcessHandle.current().pid() + "-" + name, HOSTS, RATE_MBIT, 0);
    }

    private static void awaitFailures(SimulatedRun.Running run, List<Integer> workers, long timeoutMs) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (System.nanoTime() - deadline < 0) {
            if (workers.stream().allMatch(w -> Files.exists(run.directory().resolve(io.averon.benchmarks.sim.Rendezvous.failure(w))))) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("workers " + workers + " did not fail within " + timeoutMs + " ms");
    }

    private static void signal(String signal, long pid) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
        assertEquals(0, kill.waitFor(), "kill -" + signal + " " + pid);
    }

    /**
     * The process state once SIGSTOP has taken effect (T), or the last state seen after 5 s: the
     * signal is delivered asynchronously, so a read right after {@code kill} can still show R.
     */
    private static String stoppedState(long pid) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        String state = processState(pid);
        while (!state.equals("T") && System.nanoTime() < deadline) {
            Thread.sleep(10);
            state = processState(pid);
        }
        return state;
    }

    /** The process state letter from /proc (T = stopped). */
    private static String processState(long pid) throws Exception {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        return stat.substring(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    }
}
