package io.averon.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

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
        Map<Config, String> helpers = new LinkedHashMap<>();
        for (int round = 1; round <= rounds; round++) {
            for (Config c : configs) {
                String line = runProbe(c, seconds);
                double rate = Double.parseDouble(value(line, "examples_per_second"));
                results.computeIfAbsent(c, k -> new ArrayList<>()).add(rate);
                helpers.put(c, value(line, "helpers"));
                System.err.printf(Locale.ROOT, "round %d  %-34s %10.1f examples/s%n", round, c.name(), rate);
            }
        }
        System.out.println("| configuration | examples/s (median of " + rounds + ") | runs | vs DL4J defaults | layer helpers |");
        System.out.println("|---|---:|---|---:|---|");
        Map<String, Double> baselines = new LinkedHashMap<>();
        for (Config c : configs) {
            double median = median(results.get(c));
            if (c.baseline()) {
                baselines.put(c.model(), median);
            }
            double ratio = median / baselines.get(c.model());
            System.out.printf(Locale.ROOT, "| %s | %,.0f | %s | %.2fx | %s |%n", c.name(), median,
                    results.get(c).stream().map(v -> String.format(Locale.ROOT, "%.0f", v)).toList(), ratio,
                    helpers.get(c).replace(",", " ").strip().isEmpty() ? "none" : shortHelpers(helpers.get(c)));
        }
    }

    private static String runProbe(Config c, String seconds) throws IOException, InterruptedException {
        String java = System.getProperty("java.home") + "/bin/java";
        List<String> command = new ArrayList<>(Arrays.asList(java, "-Xmx3g",
                "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), ThroughputProbe.class.getName(),
                c.model(), Integer.toString(c.batch()), c.mode(), "10", seconds, Integer.toString(c.threads())));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().remove("OMP_WAIT_POLICY");
        builder.environment().remove("OMP_NUM_THREADS");
        if (c.passiveWait()) {
            builder.environment().put("OMP_WAIT_POLICY", "PASSIVE");
        }
        Process process = builder.start();
        String result = null;
        StringBuilder all = new StringBuilder();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                all.append(line).append('\n');
                if (line.startsWith("RESULT ")) {
                    result = line;
                }
            }
        }
        if (!process.waitFor(10, TimeUnit.MINUTES) || process.exitValue() != 0 || result == null) {
            process.destroyForcibly();
            throw new IllegalStateException("probe " + c.name() + " failed:\n" + all);
        }
        return result;
    }

    private static String value(String line, String key) {
        for (String part : line.split(" ")) {
            if (part.startsWith(key + "=")) {
                return part.substring(key.length() + 1);
            }
        }
        throw new IllegalStateException("no " + key + " in " + line);
    }

    private static String shortHelpers(String helpers) {
        return Arrays.stream(helpers.split(",")).filter(s -> !s.isBlank()).map(s -> s.substring(s.indexOf(':') + 1))
                .distinct().reduce((a, b) -> a + ", " + b).orElse("none");
    }

    private static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
