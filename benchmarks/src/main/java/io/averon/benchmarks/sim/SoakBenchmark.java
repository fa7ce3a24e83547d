package io.averon.benchmarks.sim;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A long run of the parameter server's rounds on a simulated cluster (issue 18, case 10): the server
 * and N workers on N + 1 hosts, R rounds of M floats, every worker checking every round exactly;
 * each host JVM samples its heap, direct memory, threads, file descriptors and Aeron directory every
 * S rounds ({@link ResourceUsage}); prints the samples and the growth against {@link SoakReport}'s
 * bounds, and exits 1 on a breach.
 *
 * <p>Usage (root): {@code SoakBenchmark script=benchmarks/sim/sim-cluster.sh dir=DIR [workers=4]
 * [rounds=1000] [params=100000] [every=100] [rate=100]}.
 */
public final class SoakBenchmark {

    private SoakBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = KeyValueArgs.parse(args);
        Path script = Path.of(a.getOrDefault("script", "benchmarks/sim/sim-cluster.sh")).toAbsolutePath();
        Path dir = Files.createDirectories(Path.of(a.getOrDefault("dir", "benchmarks/target/soak")).toAbsolutePath());
        int workers = Integer.parseInt(a.getOrDefault("workers", "4"));
        int rounds = Integer.parseInt(a.getOrDefault("rounds", "1000"));
        int params = Integer.parseInt(a.getOrDefault("params", "100000"));
        int every = Integer.parseInt(a.getOrDefault("every", "100"));
        int rate = Integer.parseInt(a.getOrDefault("rate", "100"));
        RunSpec spec = RunSpec.builder().mode(AveragingMode.SERVER).size(workers, params).rounds(rounds)
                .sampleEvery(every).timeoutMs(60_000).build();
        Path run = Files.createTempDirectory(dir, "soak-");
        long start = System.nanoTime();
        RunResult result;
        try (SimulatedCluster cluster = SimulatedCluster.up(script, "avsoak-" + ProcessHandle.current().pid(),
                spec.hosts(), rate, 0)) {
            result = SimulatedRun.execute(cluster, spec, run, System.getProperty("java.class.path"));
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        SoakReport report = SoakReport.read(spec, run);
        System.out.printf(Locale.ROOT, "soak: server and %d workers on %d hosts (%d Mbit/s links), %d rounds of %,d floats,"
                        + " every round exact (%,d values checked); %.1f s, median round %.1f ms; samples every %d rounds:%n%n",
                workers, spec.hosts(), rate, rounds, params, result.checkedValues(), seconds,
                result.medianRoundSeconds() * 1e3, every);
        System.out.println(report.table());
        List<String> breaches = report.breaches();
        System.out.printf(Locale.ROOT, "bounds from the first sample to the last: threads, file descriptors and the Aeron "
                + "directory +0, direct memory +%d bytes, heap after GC +%d MB: %s%n", SoakReport.DIRECT_GROWTH_BOUND_BYTES,
                SoakReport.HEAP_GROWTH_BOUND_BYTES >> 20, breaches.isEmpty() ? "within" : "BREACHED " + breaches);
        System.exit(breaches.isEmpty() ? 0 : 1);
    }
}
