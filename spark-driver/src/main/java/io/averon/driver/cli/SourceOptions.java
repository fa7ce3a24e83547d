package io.averon.driver.cli;

import io.averon.core.InvalidInputException;
import io.averon.core.data.DataSpec;
import picocli.CommandLine.Option;

/** How to read a CSV file or an image folder: shared by {@code train}, {@code evaluate} and {@code import}. */
public final class SourceOptions {

    @Option(names = "--label-column", paramLabel = "NAME|INDEX",
            description = "CSV: the label column, by header name or 0-based index (default: the last column)")
    String labelColumn;

    @Option(names = "--header", negatable = true, description = "CSV: the first row is (not) a header (default: detected)")
    Boolean header;

    @Option(names = "--image-size", defaultValue = "28x28", paramLabel = "HxW",
            description = "Image folder: resize images to this size. Default: ${DEFAULT-VALUE}")
    String imageSize;

    @Option(names = "--channels", defaultValue = "1", paramLabel = "1|3",
            description = "Image folder: 1 (grayscale) or 3 (RGB). Default: ${DEFAULT-VALUE}")
    int channels;

    /** A data specification of {@code source} with these options. */
    DataSpec.Builder builder(String source, boolean regression) {
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
        return DataSpec.builder(source).labelColumn(labelColumn).header(header).regression(regression)
                .imageSize(height, width).channels(channels);
    }
}
