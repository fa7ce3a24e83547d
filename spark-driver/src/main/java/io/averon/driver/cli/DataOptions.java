package io.averon.driver.cli;

import io.averon.core.InvalidInputException;
import io.averon.core.data.DataSpec;
import io.averon.core.data.SplitSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The {@code --data} option and its companions, shared by {@code train} and {@code evaluate}. */
public final class DataOptions {

    /** How a held-out split is made when the data has no test files. */
    enum SplitOption { RANDOM, TIME }

    @Option(names = "--data", defaultValue = DataSpec.FASHION_MNIST, paramLabel = "fashion-mnist|PATH",
            description = "fashion-mnist, a directory of MNIST-style IDX files, a CSV file or an image folder "
                    + "(one sub-folder per class). Default: ${DEFAULT-VALUE}")
    String data;

    @Option(names = "--validation-split", defaultValue = "0.2", paramLabel = "FRACTION",
            description = "CSV / image folder: fraction held out as the test split. Default: ${DEFAULT-VALUE}")
    double validationSplit;

    @Option(names = "--split", defaultValue = "random", paramLabel = "random|time",
            description = "CSV / image folder: random (seeded) or time (the last rows, for time series). "
                    + "Default: ${DEFAULT-VALUE}")
    String split;

    @Mixin
    SourceOptions source;

    /** The validated data specification. */
    DataSpec toSpec(boolean regression) {
        SplitSpec.Kind kind = switch (split.toLowerCase(java.util.Locale.ROOT)) {
            case "random" -> SplitSpec.Kind.RANDOM;
            case "time" -> SplitSpec.Kind.TIME_ORDERED;
            default -> throw new InvalidInputException("--split must be random or time, got '" + split + "'");
        };
        return source.builder(data, regression).validationSplit(validationSplit).splitKind(kind).build();
    }
}
