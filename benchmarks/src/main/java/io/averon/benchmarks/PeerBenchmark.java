package io.averon.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;

/**
 * Averon's single-process training against PyTorch's CPU training of the same networks (same
 * layers, initialisation and optimiser; {@code benchmarks/python/torch_peer.py}), step for step on
 * Fashion-MNIST, in the same run.
 *
 * <p>Every measurement is its own process ({@link ThroughputProbe} in a JVM with Averon's runtime
 * settings, or the Python peer), both with {@code OMP_NUM_THREADS} set to the thread count and
 * {@code OMP_WAIT_POLICY=PASSIVE}; the engine that goes first alternates from round to round so
 * drift hits both alike. Both also run with glibc's malloc keeping freed memory
 * ({@value #MMAP_THRESHOLD_BYTES} bytes mmap threshold, no trimming): with glibc's defaults every
 * PyTorch temporary of 128 KB or more is mapped and page-faulted in afresh at each step, which made
 * the peer ~3x slower on this project's VMs (Averon's probe showed no change within its noise).
 * {@code AVERON_PEER_MALLOC=default} runs both engines with glibc's defaults instead.
 * <ul>
 *   <li>{@code compare}: examples/s at one batch size per model and thread count, median and best
 *   of the rounds, and Averon's ratio to PyTorch.</li>
 *   <li>{@code sweep}: ms per step over batch sizes, and per engine the least-squares line
 *   {@code ms_per_step = fixed + perExample * batch}: the fixed per-step overhead against the
 *   cost of each example.</li>
 * </ul>
 *
 * <p>Usage: see {@link PeerSettings#USAGE}; run through {@code benchmarks/scripts/pytorch-peer.sh},
 * which installs PyTorch and sets {@code AVERON_ROOT} (the repository, where the peer script is).
 * {@code AVERON_PYTHON} names the interpreter (default {@value #DEFAULT_PYTHON}, Debian's, which
 * sees the {@code python3-torch} package).
 */
public final class PeerBenchmark {

    static final String DEFAULT_PYTHON = "/usr/bin/python3";

    /** glibc's mmap threshold both engines run with (the largest glibc accepts); freed memory is never trimmed. */
    static final int MMAP_THRESHOLD_BYTES = 32 << 20;

    /**
     * Seconds of whole steps each probe runs before it starts the clock: the JVM's JIT compiles the
     * step meanwhile (a training epoch runs hundreds of steps), PyTorch warms its allocator.
     */
    private static final int WARMUP_SECONDS = 3;

    /**
     * The engines measured: Averon's training step, PyTorch's, and (in the sweep) Averon with each
     * step through DL4J's own fit and updater, what Averon ran before its fused updater and dense step.
     */
    enum Engine {
        AVERON("Averon"), DL4J_STEP("Averon, DL4J's step"), PYTORCH("PyTorch");

        final String title;

        Engine(String title) {
            this.title = title;
        }
    }

    /** One measured configuration. */
    record Cell(String model, int threads, int batch, Engine engine) {
    }

    private final PeerSettings settings;
    private final Path peerScript;
    private final String python;
    private final Map<String, String> environment;
    private final Map<Cell, List<ResultLine>> results = new LinkedHashMap<>();

    private PeerBenchmark(PeerSettings settings, Path peerScript, String python) {
        this.settings = settings;
        this.peerScript = peerScript;
        this.python = python;
        Map<String, String> env = new LinkedHashMap<>();
        if (!"default".equals(System.getenv("AVERON_PEER_MALLOC"))) {
            env.put("MALLOC_MMAP_THRESHOLD_", Integer.toString(MMAP_THRESHOLD_BYTES));
            env.put("MALLOC_TRIM_THRESHOLD_", Long.toString(1L << 30));
        }
        env.put("OMP_WAIT_POLICY", "PASSIVE");
        this.environment = Collections.unmodifiableMap(new TreeMap<>(env));
    }

    public static void main(String[] args) throws Exception {
        PeerSettings settings = PeerSettings.parse(args);
        String root = System.getenv("AVERON_ROOT") != null ? System.getenv("AVERON_ROOT")
                : System.getProperty("averon.root");
        if (root == null) {
            throw new IllegalStateException("set AVERON_ROOT (or -Daveron.root) to the repository, where "
                    + "benchmarks/python/torch_peer.py is; benchmarks/scripts/pytorch-peer.sh does");
        }
        Path script = Path.of(root, "benchmarks", "python", "torch_peer.py");
        if (!Files.isRegularFile(script)) {
            throw new IllegalStateException("no PyTorch peer at " + script + ": AVERON_ROOT=" + root
                    + " is not the repository");
        }
        String python = System.getenv().getOrDefault("AVERON_PYTHON", DEFAULT_PYTHON);
        PeerBenchmark benchmark = new PeerBenchmark(settings, script, python);
        System.err.printf(Locale.ROOT, "peer benchmark: %s, %d cores, python %s, peer %s, environment %s%n",
                settings, Runtime.getRuntime().availableProcessors(), python, script, benchmark.environment);
        benchmark.measure();
        System.out.print(settings.mode() == PeerSettings.Mode.COMPARE ? benchmark.compareReport()
                : benchmark.sweepReport());
    }

    private void measure() throws IOException, InterruptedException {
        for (int round = 1; round <= settings.rounds(); round++) {
            List<Engine> order = new ArrayList<>(engines());
            Collections.rotate(order, round - 1); // each engine goes first in turn
            for (String model : settings.models()) {
                for (int threads : settings.threads()) {
                    for (int batch : settings.batches()) {
                        for (Engine engine : order) {
                            Cell cell = new Cell(model, threads, batch, engine);
                            ResultLine result = run(cell);
                            results.computeIfAbsent(cell, k -> new ArrayList<>()).add(result);
                            System.err.printf(Locale.ROOT, "round %d/%d  %-14s threads %d  batch %4d  %-19s %,10.1f "
                                            + "examples/s %9.3f ms/step%n", round, settings.rounds(), model, threads,
                                    batch, engine.title, result.examplesPerSecond(), result.msPerStep());
                        }
                    }
                }
            }
        }
    }

    private List<Engine> engines() {
        return settings.mode() == PeerSettings.Mode.SWEEP ? List.of(Engine.values())
                : List.of(Engine.AVERON, Engine.PYTORCH);
    }

    private ResultLine run(Cell cell) throws IOException, InterruptedException {
        String[] args = {cell.model(), Integer.toString(cell.batch()), Integer.toString(WARMUP_SECONDS),
            Double.toString(settings.seconds()), Integer.toString(cell.threads())};
        List<String> command = switch (cell.engine()) {
            case AVERON -> ProbeProcess.javaCommand(ThroughputProbe.class, args[0], args[1], "averon", args[2],
                    args[3], args[4]);
            case DL4J_STEP -> ProbeProcess.javaCommand(ThroughputProbe.class, args[0], args[1],
                    ThroughputProbe.DL4J_STEP, args[2], args[3], args[4]);
            case PYTORCH -> {
                List<String> c = new ArrayList<>(List.of(python, peerScript.toString()));
                c.addAll(List.of(args));
                yield c;
            }
        };
        Map<String, String> env = new LinkedHashMap<>(environment);
        env.put("OMP_NUM_THREADS", Integer.toString(cell.threads()));
        return ProbeProcess.run(cell.toString(), command, env);
    }

    private double medianMs(String model, int threads, int batch, Engine engine) {
        return SampleStats.median(values(new Cell(model, threads, batch, engine), ResultLine::msPerStep));
    }

    private List<Double> values(Cell cell, ToDoubleFunction<ResultLine> measure) {
        return results.get(cell).stream().mapToDouble(measure).boxed().toList();
    }

    private String compareReport() {
        int batch = settings.batches().get(0);
        MarkdownTable table = new MarkdownTable("model", ">threads", ">Averon examples/s median", ">Averon best",
                ">PyTorch median", ">PyTorch best", ">Averon/PyTorch (median)", ">Averon/PyTorch best-vs-best",
                ">Averon median/PyTorch best",
                ">params (Averon / PyTorch)", "all runs (Averon; PyTorch)");
        for (String model : settings.models()) {
            for (int threads : settings.threads()) {
                Cell averon = new Cell(model, threads, batch, Engine.AVERON);
                Cell torch = new Cell(model, threads, batch, Engine.PYTORCH);
                List<Double> a = values(averon, ResultLine::examplesPerSecond);
                List<Double> p = values(torch, ResultLine::examplesPerSecond);
                table.row(model, threads, rate(SampleStats.median(a)), rate(SampleStats.max(a)),
                        rate(SampleStats.median(p)), rate(SampleStats.max(p)),
                        ratio(SampleStats.median(a) / SampleStats.median(p)),
                        ratio(SampleStats.max(a) / SampleStats.max(p)),
                        ratio(SampleStats.median(a) / SampleStats.max(p)),
                        String.format(Locale.ROOT, "%,d / %,d", last(averon).params(), last(torch).params()),
                        runs(a) + "; " + runs(p));
            }
        }
        return String.format(Locale.ROOT, "%nAveron vs PyTorch, training examples/s on Fashion-MNIST, batch %d, "
                + "%d rounds of %s s per probe%n%n", batch, settings.rounds(), settings.seconds())
                + table.render() + provenance();
    }

    private String sweepReport() {
        StringBuilder out = new StringBuilder();
        MarkdownTable fits = new MarkdownTable("model", ">threads", "engine", ">fixed ms per step",
                ">per-example µs", ">R²", ">Averon/PyTorch fixed", ">Averon/PyTorch per-example");
        for (String model : settings.models()) {
            for (int threads : settings.threads()) {
                MarkdownTable steps = new MarkdownTable(">batch", ">Averon ms/step", ">Averon, DL4J's step ms/step",
                        ">PyTorch ms/step", ">Averon examples/s", ">PyTorch examples/s", ">Averon/PyTorch");
                Map<Engine, LinearFit> lines = new LinkedHashMap<>();
                for (Engine engine : Engine.values()) {
                    double[] xs = settings.batches().stream().mapToDouble(Integer::doubleValue).toArray();
                    double[] ys = settings.batches().stream().mapToDouble(batch -> SampleStats.median(
                            values(new Cell(model, threads, batch, engine), ResultLine::msPerStep))).toArray();
                    lines.put(engine, LinearFit.leastSquares(xs, ys));
                }
                for (int batch : settings.batches()) {
                    double a = medianMs(model, threads, batch, Engine.AVERON);
                    double d = medianMs(model, threads, batch, Engine.DL4J_STEP);
                    double p = medianMs(model, threads, batch, Engine.PYTORCH);
                    steps.row(batch, ms(a), ms(d), ms(p), rate(1000 * batch / a), rate(1000 * batch / p), ratio(p / a));
                }
                out.append(String.format(Locale.ROOT, "%n%s, %d thread(s): median ms per step of %d rounds%n%n",
                        model, threads, settings.rounds())).append(steps.render());
                LinearFit p = lines.get(Engine.PYTORCH);
                for (Engine engine : Engine.values()) {
                    LinearFit line = lines.get(engine);
                    boolean averon = engine != Engine.PYTORCH;
                    fits.row(model, threads, engine.title, ms(line.intercept()),
                            String.format(Locale.ROOT, "%.2f", 1000 * line.slope()),
                            String.format(Locale.ROOT, "%.4f", line.rSquared()),
                            averon ? ratio(line.intercept() / p.intercept()) : "",
                            averon ? ratio(line.slope() / p.slope()) : "");
                }
            }
        }
        return out.append(String.format(Locale.ROOT, "%nLeast-squares fit ms_per_step = fixed + perExample * batch "
                        + "over batches %s%n%n", settings.batches())).append(fits.render()).append(provenance())
                .toString();
    }

    /** The peer's torch and BLAS (from its last run) and Averon's step or DL4J layer helpers per model. */
    private String provenance() {
        ResultLine torch = null;
        Map<String, String> helpers = new LinkedHashMap<>();
        for (Cell cell : results.keySet()) {
            if (cell.engine() == Engine.PYTORCH) {
                torch = last(cell);
            } else {
                helpers.put(cell.model(), last(cell).helperNames());
            }
        }
        return String.format(Locale.ROOT, "%nPyTorch %s, BLAS %s (torch's build setting -> library loaded), "
                        + "malloc %s; both engines with OMP_NUM_THREADS=threads and %s; Averon's step (its own "
                        + "SequentialNetworkStep, or DL4J's fit with these layer helpers and layers of Averon's): %s%n", torch.value("torch"), torch.value("blas"), torch.value("malloc"),
                environment, helpers);
    }

    private ResultLine last(Cell cell) {
        List<ResultLine> runs = results.get(cell);
        return runs.get(runs.size() - 1);
    }

    private static String rate(double examplesPerSecond) {
        return String.format(Locale.ROOT, "%,.0f", examplesPerSecond);
    }

    private static String ms(double ms) {
        return String.format(Locale.ROOT, "%.2f", ms);
    }

    private static String ratio(double ratio) {
        return String.format(Locale.ROOT, "%.2fx", ratio);
    }

    private static String runs(List<Double> values) {
        return values.stream().map(PeerBenchmark::rate).toList().toString();
    }
}
