package io.averon.driver.cli;

import io.averon.core.data.DataSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The {@code --data} option and its companions, shared by {@code train} and {@code evaluate}. */
public final class DataOptions {

    @Option(names = "--data", paramLabel = "fashion-mnist|PATH")
    String data;

    @Option(names = "--validation-split", paramLabel = "FRACTION")
    double validationSplit;

    @Option(names = "--split", paramLabel = "random|time")
    String split;

    @Mixin
    SourceOptions source;

    /** The validated data specification. */
    DataSpec toSpec(boolean regression) {
        return source.builder(data, regression).validationSplit(validationSplit).splitKind(DataSpec.splitKind(split))
                .build();
    }
}
