package io.averon.examples;

import io.averon.core.InvalidInputException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code averon example NAME}: runs one of the lessons on the Spark engine ({@code local[*]}
 * unless {@code --master} says otherwise). Exit codes as the CLI's: 0 ok, 2 bad input, 1 internal.
 */
@Command(name = "averon example", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Run one of the classic lessons on the Spark engine; writes OUT/report.html.")
public final class Examples implements Callable<Integer> {

    /** Every lesson, in the order the README lists them. */
    static final List<Example> ALL = List.of(
            // lessons: one entry per line, README order
            new LinearRegressionExample(),
            new TabularBinaryExample(),
            new FashionMlpExample(),
            new FashionCnnExample(),
            new BaselineFirstExample(),
            new SequenceLstmExample(),
            new TransferLearningExample(),
            new FashionResnetExample()
    );

    @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", description = "The lesson (see --list)")
    String name;

    @Option(names = "--list", description = "List the lessons and exit")
    boolean list;

    @Option(names = "--small", description = "A quick run on a subset (what the tests run)")
    boolean small;

    @Option(names = "--epochs", paramLabel = "N", description = "Epochs for every training run (default: the lesson's)")
    Integer epochs;

    @Option(names = "--seed", defaultValue = "42", description = "Default: ${DEFAULT-VALUE}")
    long seed;

    @Option(names = "--master", paramLabel = "URL", description = "The Spark master. Default: local[*]")
    String master;

    @Option(names = "--out", paramLabel = "DIR", description = "Output directory. Default: runs/example-NAME")
    Path out;

    @Option(names = "--resume", description = "Continue each training run of the lesson from its newest checkpoint "
            + "in DIR/runs/<run> (a lesson stopped midway goes on where it stopped)")
    boolean resume;

    /** The lesson called {@code name}. */
    public static Example byName(String name) {
        return ALL.stream().filter(e -> e.name().equals(name)).findFirst().orElseThrow(() ->
                new InvalidInputException("no example '" + name + "'; there are: "
                        + String.join(", ", ALL.stream().map(Example::name).toList())));
    }

    /** Runs {@code example} with these settings; the caller owns nothing afterwards. */
    public static Outcome run(Example example, ExampleContext.Size size, Path out, String master, long seed,
                              Integer epochs) {
        return run(example, size, out, master, seed, epochs, false);
    }

    /** As {@link #run(Example, ExampleContext.Size, Path, String, long, Integer)}; {@code resume} continues its runs. */
    public static Outcome run(Example example, ExampleContext.Size size, Path out, String master, long seed,
                              Integer epochs, boolean resume) {
        try {
            java.nio.file.Files.createDirectories(out);
        } catch (java.io.IOException e) {
            throw new InvalidInputException("--out " + out + ": cannot create (" + e.getMessage() + ")");
        }
        try (ExampleContext context = new ExampleContext(example.name(), size, out, master, seed, epochs, resume,
                System.out)) {
            Outcome outcome = example.run(context);
            context.print("%s", outcome.format());
            return outcome;
        }
    }

    @Override
    public Integer call() {
        if (list || name == null) {
            for (Example e : ALL) {
                System.out.printf("%-18s %s%n", e.name(), e.summary());
            }
            return 0;
        }
        if (epochs != null && epochs < 1) {
            throw new InvalidInputException("--epochs must be >= 1, got " + epochs);
        }
        Example example = byName(name);
        run(example, small ? ExampleContext.Size.SMALL : ExampleContext.Size.FULL,
                out != null ? out : Path.of("runs", "example-" + example.name()), master, seed, epochs, resume);
        return 0;
    }

    public static void main(String[] args) {
        CommandLine cli = new CommandLine(new Examples());
        cli.setExecutionExceptionHandler((e, command, parsed) -> {
            if (e instanceof InvalidInputException) {
                System.err.println("averon: " + e.getMessage());
                return 2;
            }
            throw e;
        });
        System.exit(cli.execute(args));
    }
}
