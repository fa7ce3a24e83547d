package io.averon.benchmarks;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What one {@link PeerBenchmark} run measures, parsed from its positional arguments and validated
 * completely before any probe starts.
 *
 * @param mode     compare (examples/s at one batch size) or sweep (ms per step over batch sizes)
 * @param rounds   rounds; the engine that goes first alternates from one round to the next
 * @param seconds  measured wall time of each probe, after its warm-up
 * @param threads  native (OpenMP / BLAS) thread counts, one probe per count
 * @param models   model names both engines build ({@link #MODELS})
 * @param batches  minibatch sizes: one for compare, several for sweep
 */
record PeerSettings(Mode mode, int rounds, double seconds, List<Integer> threads, List<String> models,
                    List<Integer> batches) {

    /** The two measurements {@link PeerBenchmark} makes. */
    enum Mode { COMPARE, SWEEP }

    /** The models both Averon's probe and the PyTorch peer build. */
    static final Set<String> MODELS = Set.of("mlp", "cnn", ThroughputProbe.FASHION_RESNET);

    static final String USAGE = """
            usage: PeerBenchmark compare [rounds=5] [seconds=20] [threads=1,2] [models=mlp,cnn,fashion-resnet] [batch=128]
                   PeerBenchmark sweep [rounds=3] [seconds=8] [threads=1] [models=mlp,cnn] [batches=16,32,64,128,256,512]""";

    PeerSettings {
        threads = List.copyOf(threads);
        models = List.copyOf(models);
        batches = List.copyOf(batches);
        check(rounds >= 1, "rounds must be >= 1, got " + rounds);
        check(seconds > 0, "seconds must be > 0, got " + seconds);
        check(!threads.isEmpty() && threads.stream().allMatch(t -> t >= 1), "threads must be >= 1, got " + threads);
        check(!models.isEmpty() && MODELS.containsAll(models), "models must be among " + MODELS + ", got " + models);
        check(!batches.isEmpty() && batches.stream().allMatch(b -> b >= 1), "batch sizes must be >= 1, got " + batches);
        check(mode != Mode.COMPARE || batches.size() == 1, "compare takes one batch size, got " + batches);
        check(mode != Mode.SWEEP || batches.stream().distinct().count() >= 2,
                "sweep needs at least two distinct batch sizes to fit a line, got " + batches);
    }

    /** Parses {@code mode [rounds] [seconds] [threads] [models] [batches]}; what is left out takes the mode's default. */
    static PeerSettings parse(String... args) {
        check(args.length >= 1 && args.length <= 6, USAGE);
        Mode mode;
        try {
            mode = Mode.valueOf(args[0].toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown mode " + args[0] + "\n" + USAGE, e);
        }
        boolean compare = mode == Mode.COMPARE;
        try {
            return new PeerSettings(mode,
                    Integer.parseInt(arg(args, 1, compare ? "5" : "3")),
                    Double.parseDouble(arg(args, 2, compare ? "20" : "8")),
                    integers(arg(args, 3, compare ? "1,2" : "1")),
                    List.of(arg(args, 4, compare ? "mlp,cnn,fashion-resnet" : "mlp,cnn").split(",")),
                    integers(arg(args, 5, compare ? "128" : "16,32,64,128,256,512")));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a number: " + e.getMessage() + "\n" + USAGE, e);
        }
    }

    private static String arg(String[] args, int index, String fallback) {
        return index < args.length ? args[index] : fallback;
    }

    private static List<Integer> integers(String csv) {
        return Arrays.stream(csv.split(",")).map(String::trim).map(Integer::valueOf).toList();
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
