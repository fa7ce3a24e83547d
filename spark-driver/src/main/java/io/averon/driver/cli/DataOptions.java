package io.averon.driver.cli;

import io.averon.core.InvalidInputException;
import io.averon.core.data.DataSpec;
import io.averon.core.data.SplitSpec;
import picocli.CommandLine.Option;

/** The {@code --data} option and its companions, shared by {@code train} and {@code evaluate}. */
public final class DataOptions {

    /** How a held-out split is made when the data has no test files. */
    enum SplitOption { RANDOM, TIME }

    @Option(names = "--data", defaultValue = DataSpec.FASHION_MNIST, paramLabel = "fashion-mnist|PATH",
            description = "fashion-mnist, a directory of MNIST-style IDX files, a CSV file or an image folder "
                    + "(one sub-folder per class). Default: ${DEFAULT-VALUE}")
    String data;

    @Option(names = "--label-column", paramLabel = "NAME|INDEX",
            description = "CSV: the label column, by header name or 0-based index (default: the last column)")
    String labelColumn;

    @Option(names = "--header", negatable = true, description = "CSV: the first row is (not) a header (default: detected)")
    Boolean header;

    @Option(names = "--validation-split", defaultValue = "0.2", paramLabel = "FRACTION",
            description = "CSV / image folder: fraction held out as the test split. Default: ${DEFAULT-VALUE}")
    double validationSplit;

    @Option(names = "--split", defaultValue = "random", paramLabel = "random|time",
            description = "CSV / image folder: random (seeded) or time (the last rows, for time series). "
                    + "Default: ${DEFAULT-VALUE}")
    String split;

    @Option(names = "--image-size", defaultValue = "28x28", paramLabel = "HxW",
            description = "Image folder: resize images to this size. Default: ${DEFAULT-VALUE}")
    String imageSize;

    @Option(names = "--channels", defaultValue = "1", paramLabel = "1|3",
            description = "Image folder: 1 (grayscale) or 3 (RGB). Default: ${DEFAULT-VALUE}")
    int channels;

    /** The validated data specification. */
    DataSpec toSpec(boolean regression) {
        SplitSpec.Kind kind = switch (split.toLowerCase(java.util.Locale.ROOT)) {
            case "random" -> SplitSpec.Kind.RANDOM;
            case "time" -> SplitSpec.Kind.TIME_ORDERED;
            default -> throw new InvalidInputException("--split must be random or time, got '" + split + "'");
        };
        String[] hw = imageSize.toLowerCase(java.util.Locale.ROOT).split("x");
        int height;
        int width;
        try {
            if (hw.length != 2) {
                throw new NumberFormatException();
            }
            height = Integer.parseInt(hw[0].strip());
            width = Integer.parseInt(hw[1].strip());
        } catch (NumberFormatException e) {
            throw new InvalidInputException("--image-size must look like 28x28, got '" + imageSize + "'");
        }
        return DataSpec.builder(data).labelColumn(labelColumn).header(header).regression(regression)
                .validationSplit(validationSplit).splitKind(kind).imageSize(height, width).channels(channels).build();
    }
}
