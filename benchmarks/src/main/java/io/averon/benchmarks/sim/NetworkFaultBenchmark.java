package io.averon.benchmarks.sim;

import io.averon.ps.transport.Ports;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a network fault costs the parameter server's rounds (issue 18, cases 1 and 7 at full size):
 * on one simulated cluster (the server on host 0, a worker on each other host), runs without the
 * fault and with it alternate {@code repeats} times; prints each run's median round, the medians
 * over the runs and their ratio, Aeron's loss repair, and checks that every faulty run averaged
 * byte for byte as the undisturbed one. Faults: {@code loss:PCT[:WHERE]} (PCT percent of the datagrams
 * dropped, both ways, on the server's link and worker 1's, WHERE {@code both} (the default),
 * {@code server} or {@code worker}) or {@code rate:MBIT} (worker 1's link at MBIT; the table then also
 * gives the link's bound, twice the vector at that rate).
 *
 * <p>Usage (root): {@code NetworkFaultBenchmark script=benchmarks/sim/sim-cluster.sh dir=DIR
 * fault=loss:20[:both|server|worker]|rate:100 [workers=3] [params=200000] [rounds=4] [rate=100] [repeats=3]
 * [timeoutMs=120000] [term=65536]}: {@code term} is every stream's Aeron term length (8 KiB frames); the
 * receiver window is at most half of it less one frame (Ports.receiverWindowBytes).
 */
public final class NetworkFaultBenchmark {

    private NetworkFaultBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = KeyValueArgs.parse(args);
        Path script = Path.of(a.getOrDefault("script", "benchmarks/sim/sim-cluster.sh")).toAbsolutePath();
        Path dir = Files.createDirectories(Path.of(a.getOrDefault("dir", "benchmarks/target/faults")).toAbsolutePath());
        String[] fault = a.getOrDefault("fault", "loss:20").split(":");
        int amount = Integer.parseInt(fault[1]);
        int workers = Integer.parseInt(a.getOrDefault("workers", "3"));
        int params = Integer.parseInt(a.getOrDefault("params", "200000"));
        int rate = Integer.parseInt(a.getOrDefault("rate", "100"));
        int repeats = Integer.parseInt(a.getOrDefault("repeats", "3"));
        RunSpec spec = RunSpec.builder().mode(AveragingMode.SERVER).size(workers, params)
                .mtu(Ports.DEFAULT_MTU_BYTES, Integer.parseInt(a.getOrDefault("term", "65536")))
                .rounds(Integer.parseInt(a.getOrDefault("rounds", "4")))
                .timeoutMs(Long.parseLong(a.getOrDefault("timeoutMs", "120000"))).build();
        int slowHost = 2; // worker 1's host

        List<Double> clean = new ArrayList<>();
        List<Double> faulty = new ArrayList<>();
        long naks = 0;
        long retransmits = 0;
        long dropped = 0;
        System.out.printf(Locale.ROOT, "server and %d workers on %d hosts (%d Mbit/s links), %,d floats, %d rounds per run"
                + " (median of rounds 2..%d); fault: %s%n%n| run | undisturbed median round | with the fault | dropped "
                + "(nft / tbf) | NAKs | retransmits |%n|---:|---:|---:|---:|---:|---:|%n", workers, spec.hosts(), rate,
                params, spec.rounds(), spec.rounds(), String.join(":", fault));
        try (SimulatedCluster cluster = SimulatedCluster.up(script, "avfb-" + ProcessHandle.current().pid(), spec.hosts(),
                rate, 0)) {
            for (int run = 1; run <= repeats; run++) {
                RunResult undisturbed = SimulatedRun.execute(cluster, spec, Files.createTempDirectory(dir, "clean-"),
                        System.getProperty("java.class.path"));
                apply(cluster, fault, amount, slowHost, rate);
                RunResult result;
                Map<String, long[]> counters;
                try {
                    result = SimulatedRun.execute(cluster, spec, Files.createTempDirectory(dir, "fault-"),
                            System.getProperty("java.class.path"));
                    counters = cluster.counters(fault.length > 2 && fault[2].equals("server") ? 0 : slowHost);
                } finally {
                    apply(cluster, fault, 0, slowHost, rate);
                }
                if (!undisturbed.digests().equals(result.digests())) {
                    throw new IllegalStateException("run " + run + ": the averages differ from the undisturbed run's");
                }
                long lost = fault[0].equals("loss") ? counters.get("lost_in")[0] + counters.get("lost_out")[0]
                        : counters.get("tbf_out")[0] + counters.get("tbf_in")[0];
                clean.add(undisturbed.medianRoundSeconds());
                faulty.add(result.medianRoundSeconds());
                naks += result.driverCounter("naksSent");
                retransmits += result.driverCounter("retransmitsSent");
                dropped += lost;
                System.out.printf(Locale.ROOT, "| %d | %.3f s | %.3f s | %,d | %,d | %,d |%n", run,
                        undisturbed.medianRoundSeconds(), result.medianRoundSeconds(), lost,
                        result.driverCounter("naksSent"), result.driverCounter("retransmitsSent"));
            }
        }
        double cleanMedian = median(clean);
        double faultyMedian = median(faulty);
        System.out.printf(Locale.ROOT, "%nmedians over %d runs: undisturbed %.3f s, with the fault %.3f s: ratio %.2f; "
                + "every faulty run byte-identical to its undisturbed one; dropped %,d, NAKs %,d, retransmits %,d in all%n",
                repeats, cleanMedian, faultyMedian, faultyMedian / cleanMedian, dropped, naks, retransmits);
        if (fault[0].equals("rate")) {
            double linkSeconds = 2.0 * params * Float.BYTES / (amount * 125_000.0);
            System.out.printf(Locale.ROOT, "worker 1's link at %d Mbit/s needs %.3f s per round (its vector out and the "
                    + "average in): the rounds took %.2f times that%n", amount, linkSeconds, faultyMedian / linkSeconds);
        }
    }

    /** Applies the fault ({@code amount} 0: removes it; a rate fault goes back to {@code rate}). */
    private static void apply(SimulatedCluster cluster, String[] fault, int amount, int slowHost, int rate) {
        switch (fault[0]) {
            case "loss" -> {
                String where = fault.length > 2 ? fault[2] : "both";
                if (!where.equals("worker")) {
                    cluster.loss(0, amount);
                }
                if (!where.equals("server")) {
                    cluster.loss(slowHost, amount);
                }
            }
            case "rate" -> cluster.rate(slowHost, amount == 0 ? rate : amount);
            default -> throw new IllegalArgumentException("fault is loss:PCT[:WHERE] or rate:MBIT, got " + fault[0]);
        }
    }

    private static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
