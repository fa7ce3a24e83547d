package io.averon.benchmarks;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Single-process training throughput of the {@code mlp} and {@code cnn} presets on Fashion-MNIST:
 * Averon's runtime settings against plain DL4J defaults, in the same run.
 *
 * <p>Every configuration runs in its own JVM (the native build and OpenMP settings are fixed per
 * process); configurations alternate over {@code rounds} so drift hits all of them alike; the
 * median examples/s of each is reported with its ratio to the baseline of the same model.
 *
 * <p>Baseline ("DL4J defaults"): plain {@code linux-x86_64} build, DL4J's layer helpers off (its
 * default), ND4J's default threads, {@code OMP_WAIT_POLICY} unset, batch 64.
 *
 * <p>Usage: {@code LocalThroughputBenchmark [rounds=3] [seconds=10]}; needs the benchmarks module's
 * {@code target/lib} (run {@code mvn -DskipTests package} first) and Fashion-MNIST installed.
 */
public final class LocalThroughputBenchmark {

    private record Config(String name, String model, int batch, String mode, boolean passiveWait, int threads,
                          boolean baseline) {
    }

    private LocalThroughputBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        String seconds = args.length > 1 ? args[1] : "10";
        int cores = Runtime.getRuntime().availableProcessors();
        List<Config> configs = List.of(
                new Config("mlp DL4J defaults, batch 64", "mlp", 64, "defaults", false, cores, true),
                new Config("mlp Averon, batch 64", "mlp", 64, "averon", true, cores, false),
                new Config("mlp Averon, batch 128 (default)", "mlp", 128, "averon", true, cores, false),
                new Config("mlp Averon, batch 256", "mlp", 256, "averon", true, cores, false),
                new Config("cnn DL4J defaults, batch 64", "cnn", 64, "defaults", false, cores, true),
                new Config("cnn Averon, batch 64", "cnn", 64, "averon", true, cores, false),
                new Config("cnn Averon, batch 128 (default)", "cnn", 128, "averon", true, cores, false),
                new Config("cnn Averon, batch 256", "cnn", 256, "averon", true, cores, false));
        Map<Config, List<Double>> results = new LinkedHashMap<>();
        Map<Config, ResultLine> lines = new LinkedHashMap<>();
        for (int round = 1; round <= rounds; round++) {
            for (Config c : configs) {
                ResultLine line = runProbe(c, seconds);
                double rate = line.examplesPerSecond();
                results.computeIfAbsent(c, k -> new ArrayList<>()).add(rate);
                lines.put(c, line);
                System.err.printf(Locale.ROOT, "round %d  %-34s %10.1f examples/s%n", round, c.name(), rate);
            }
        }
        System.out.println("| configuration | examples/s (median of " + rounds + ") | runs | vs DL4J defaults | layer helpers |");
        System.out.println("|---|---:|---|---:|---|");
        Map<String, Double> baselines = new LinkedHashMap<>();
        for (Config c : configs) {
            double median = SampleStats.median(results.get(c));
            if (c.baseline()) {
                baselines.put(c.model(), median);
            }
            double ratio = median / baselines.get(c.model());
            System.out.printf(Locale.ROOT, "| %s | %,.0f | %s | %.2fx | %s |%n", c.name(), median,
                    results.get(c).stream().map(v -> String.format(Locale.ROOT, "%.0f", v)).toList(), ratio,
                    lines.get(c).helperNames());
        }
    }

    private static ResultLine runProbe(Config c, String seconds) throws IOException, InterruptedException {
        return ProbeProcess.run(c.name(), ProbeProcess.javaCommand(ThroughputProbe.class, c.model(),
                        Integer.toString(c.batch()), c.mode(), "3", seconds, Integer.toString(c.threads())),
                c.passiveWait() ? Map.of("OMP_WAIT_POLICY", "PASSIVE") : Map.of());
    }
}
