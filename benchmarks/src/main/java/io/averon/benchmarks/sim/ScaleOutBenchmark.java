package io.averon.benchmarks.sim;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Round time of the parameter server and of sharded averaging on a simulated cluster, against
 * the bandwidth bound: per (mode, N, M) one run of R rounds on N simulated hosts whose links run
 * at B Mbit/s each way. The sharded bound is {@code 2·M·4·(N−1)/N / B} (reduce-scatter out of each
 * link, then all-gather into it; with k workers per host {@code 2·k·M·4·(N−k)/N / B}); the server's
 * is {@code 2·N·M·4 / B} (every vector into and out of the server's one link). Hierarchical runs
 * (each host's k workers one task group, its leader alone upstream) have G = ⌈N/k⌉ upstream workers,
 * one per host: sharded {@code 2·M·4·(G−1)/G / B} per host link, server {@code 2·G·M·4 / B}. Cells
 * are packed k workers per host JVM, k = minPerHost, 2·minPerHost, .. maxPerHost, the first whose
 * memory estimate fits the budget, or skipped, and say so.
 *
 * <p>Usage (root): {@code ScaleOutBenchmark script=benchmarks/sim/sim-cluster.sh dir=DIR csv=FILE
 * [modes=sharded,server] [workers=2,4,8] [params=1000000] [rounds=4] [rate=100] [memoryGb=15]
 * [minPerHost=1] [maxPerHost=1] [hierarchical=false|true|false,true] [maxCellSeconds=600] [term=65536]}.
 * Prints a Markdown table and appends each cell to the CSV.
 */
public final class ScaleOutBenchmark {

    private static final String CSV_HEADER = "mode,workers,parameters,hosts,workers_per_host,rate_mbit,rounds,"
            + "median_round_s,bound_s,ratio,link_bytes_per_worker_round,ideal_bytes_per_worker_round,"
            + "server_link_bytes_round,cpu_busy,naks_sent,retransmits_sent,retransmitted_bytes,tbf_drops,checked_values,"
            + "hierarchical,link_bytes_per_host_round,ideal_bytes_per_host_round\n";

    private ScaleOutBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = KeyValueArgs.parse(args);
        Path script = Path.of(a.getOrDefault("script", "benchmarks/sim/sim-cluster.sh")).toAbsolutePath();
        Path dir = Path.of(a.getOrDefault("dir", "benchmarks/target/sim-runs")).toAbsolutePath();
        Path csv = Path.of(a.getOrDefault("csv", dir.resolve("scale-out.csv").toString()));
        List<AveragingMode> modes = Arrays.stream(a.getOrDefault("modes", "sharded,server").split(","))
                .map(AveragingMode::parse).toList();
        int[] workerCounts = ints(a.getOrDefault("workers", "2,4,8"));
        int[] sizes = ints(a.getOrDefault("params", "1000000"));
        int rounds = Integer.parseInt(a.getOrDefault("rounds", "4"));
        int rateMbit = Integer.parseInt(a.getOrDefault("rate", "100"));
        long budget = (long) (Double.parseDouble(a.getOrDefault("memoryGb", "15")) * (1L << 30));
        int minPerHost = Integer.parseInt(a.getOrDefault("minPerHost", "1"));
        int maxPerHost = Integer.parseInt(a.getOrDefault("maxPerHost", Integer.toString(minPerHost)));
        List<Boolean> hierarchical = Arrays.stream(a.getOrDefault("hierarchical", "false").split(","))
                .map(v -> parseBoolean(v.trim())).toList();
        double maxCellSeconds = Double.parseDouble(a.getOrDefault("maxCellSeconds", "600"));
        int term = Integer.parseInt(a.getOrDefault("term", Integer.toString(64 * 1024)));
        String classpath = System.getProperty("java.class.path");
        Files.createDirectories(dir);
        if (!Files.exists(csv)) {
            Files.writeString(csv, CSV_HEADER);
        }
        System.out.printf(Locale.ROOT, "links %d Mbit/s each way, %d rounds per cell (median of rounds 2..%d), memory budget %.1f GB,"
                + " Aeron MTU 8192, term %d KiB, tbf queue %s ms%n%n", rateMbit, rounds, rounds, budget / (double) (1L << 30),
                term >> 10, System.getenv().getOrDefault("AVSIM_QUEUE_MS", "100"));
        System.out.println("| mode | hierarchical | N | M | hosts x workers | median round | bound | ratio | link MB/host/round, out+in (ideal) | server link MB/round | CPU busy | NAKs | retransmits | tbf drops |");
        System.out.println("|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        int cell = 0;
        try (CpuSampler cpu = new CpuSampler()) {
            for (int size : sizes) {
                for (AveragingMode mode : modes) {
                    for (int n : workerCounts) {
                        for (boolean hier : hierarchical) {
                            cell++;
                            RunSpec spec = fit(mode, hier, n, size, rounds, minPerHost, maxPerHost, term, budget, rateMbit);
                            if (spec == null) {
                                skip(mode, hier, n, size, "needs ~" + gb(RunSpec.builder().mode(mode).hierarchical(hier)
                                        .size(n, size).workersPerHost(maxPerHost).rounds(rounds).build().memoryBytes())
                                        + " GB > budget even at " + maxPerHost + " workers per host");
                                continue;
                            }
                            double bound = boundSeconds(spec, rateMbit);
                            if (bound * rounds > maxCellSeconds) {
                                skip(mode, hier, n, size, String.format(Locale.ROOT, "bound %.0f s x %d rounds > %.0f s",
                                        bound, rounds, maxCellSeconds));
                                continue;
                            }
                            runCell(spec, cell, script, dir, csv, classpath, rateMbit, bound, cpu);
                        }
                    }
                }
            }
        }
    }

    /**
     * The spec with the fewest workers per host (minPerHost, 2·minPerHost .. maxPerHost) whose memory
     * fits, or null; every wait is bounded by 4 bounds or 120 s, whichever is longer.
     */
    private static RunSpec fit(AveragingMode mode, boolean hierarchical, int n, int size, int rounds, int minPerHost,
                               int maxPerHost, int term, long budget, int rateMbit) {
        for (int k = minPerHost; k <= maxPerHost; k *= 2) {
            RunSpec.Builder builder = RunSpec.builder().mode(mode).hierarchical(hierarchical).size(n, size).rounds(rounds)
                    .workersPerHost(k).mtu(8192, term);
            long timeout = Math.max(120_000, (long) (4_000 * boundSeconds(builder.build(), rateMbit)));
            RunSpec spec = builder.timeoutMs(timeout).build();
            if (spec.memoryBytes() <= budget) {
                return spec;
            }
        }
        return null;
    }

    private static void runCell(RunSpec spec, int cell, Path script, Path dir, Path csv, String classpath, int rateMbit,
                                double bound, CpuSampler cpu) throws IOException {
        Path cellDir = dir.resolve(String.format(Locale.ROOT, "%s-n%d-m%d-k%d%s", spec.mode().name().toLowerCase(Locale.ROOT),
                spec.workers(), spec.parameters(), spec.workersPerHost(), spec.hierarchical() ? "-hier" : ""));
        if (Files.exists(cellDir)) {
            try (var files = Files.walk(cellDir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        Files.createDirectories(cellDir);
        String prefix = "avsim-" + ProcessHandle.current().pid() + "-" + cell;
        try (SimulatedCluster cluster = SimulatedCluster.up(script, prefix, spec.hosts(), rateMbit, 0)) {
            RunResult result = SimulatedRun.execute(cluster, spec, cellDir, classpath);
            long tbfDrops = 0;
            for (int h = 0; h < spec.hosts(); h++) {
                Map<String, long[]> c = cluster.counters(h);
                tbfDrops += c.get("tbf_out")[0] + c.get("tbf_in")[0];
            }
            report(result, rateMbit, bound, cpu.busyShare(result.timedFromNs(), result.timedToNs()), tbfDrops, csv);
        } catch (RuntimeException e) {
            skip(spec.mode(), spec.hierarchical(), spec.workers(), spec.parameters(),
                    "FAILED: " + e.getMessage().lines().findFirst().orElse(""));
            System.err.println(e);
        }
    }

    private static void report(RunResult r, int rateMbit, double bound, double cpuBusy, long tbfDrops, Path csv)
            throws IOException {
        RunSpec s = r.spec();
        double median = r.medianRoundSeconds();
        double idealHost = idealBytesPerHost(s);
        System.out.printf(Locale.ROOT, "| %s | %s | %d | %,d | %d x %d | %.3f s | %.3f s | %.2f | %.1f (%.1f) | %.1f | %.0f%% | %d | %d | %d |%n",
                s.mode().name().toLowerCase(Locale.ROOT), s.hierarchical() ? "yes" : "no", s.workers(), s.parameters(),
                s.workerHosts(), s.workersPerHost(), median, bound, median / bound, r.linkBytesPerHost() / 1e6,
                idealHost / 1e6, r.serverLinkBytes() / 1e6, cpuBusy * 100, r.driverCounter("naksSent"),
                r.driverCounter("retransmitsSent"), tbfDrops);
        System.out.flush();
        Files.writeString(csv, String.format(Locale.ROOT, "%s,%d,%d,%d,%d,%d,%d,%.4f,%.4f,%.3f,%.0f,%.0f,%.0f,%.3f,%d,%d,%d,%d,%d,%b,%.0f,%.0f%n",
                s.mode().name().toLowerCase(Locale.ROOT), s.workers(), s.parameters(), s.workerHosts(), s.workersPerHost(),
                rateMbit, s.rounds(), median, bound, median / bound, r.linkBytesPerWorker(), idealHost / s.workersPerHost(),
                r.serverLinkBytes(), cpuBusy, r.driverCounter("naksSent"), r.driverCounter("retransmitsSent"),
                r.driverCounter("retransmittedBytes"), tbfDrops, r.checkedValues(), s.hierarchical(), r.linkBytesPerHost(),
                idealHost), StandardOpenOption.APPEND);
    }

    /**
     * Seconds the busiest link needs per round at {@code rateMbit} (see the class comment): U upstream
     * workers (N, or G hosts when hierarchical), k of them per host link (1 when hierarchical).
     */
    static double boundSeconds(RunSpec s, int rateMbit) {
        double bytesPerSecond = rateMbit * 125_000.0;
        double vector = (double) s.parameters() * Float.BYTES;
        int u = s.upstreamWorkers();
        if (s.mode() == AveragingMode.SERVER) {
            return 2 * u * vector / bytesPerSecond;
        }
        int k = upstreamPerHost(s);
        return 2 * k * vector * (u - k) / u / bytesPerSecond;
    }

    /**
     * Payload a full worker host's link must carry per round, sent and received together, for each
     * of its k upstream workers: to the server its vector out and the average in; sharded, its ranges
     * owned on the U−k other hosts' out and its own range's average to the U−k workers there, and as
     * much in.
     */
    static double idealBytesPerHost(RunSpec s) {
        double vector = (double) s.parameters() * Float.BYTES;
        int u = s.upstreamWorkers();
        int k = upstreamPerHost(s);
        return s.mode() == AveragingMode.SERVER ? 2 * k * vector : 4 * k * vector * (u - k) / u;
    }

    private static int upstreamPerHost(RunSpec s) {
        return s.hierarchical() ? 1 : s.workersPerHost();
    }

    private static boolean parseBoolean(String value) {
        if (!value.equals("true") && !value.equals("false")) {
            throw new IllegalArgumentException("hierarchical takes true, false or both (false,true), got '" + value + "'");
        }
        return Boolean.parseBoolean(value);
    }

    private static void skip(AveragingMode mode, boolean hierarchical, int n, int size, String why) {
        System.out.printf(Locale.ROOT, "| %s | %s | %d | %,d | skipped: %s | | | | | | | | | |%n",
                mode.name().toLowerCase(Locale.ROOT), hierarchical ? "yes" : "no", n, size, why);
        System.out.flush();
    }

    private static String gb(long bytes) {
        return String.format(Locale.ROOT, "%.1f", bytes / (double) (1L << 30));
    }

    private static int[] ints(String list) {
        return Arrays.stream(list.split(",")).mapToInt(Integer::parseInt).toArray();
    }
}
