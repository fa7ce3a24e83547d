package io.averon.driver.cli;

import io.averon.core.data.DataSpec;
import picocli.CommandLine.Option;

/** How to read a CSV file or an image folder: shared by {@code train}, {@code evaluate} and {@code import}. */
public final class SourceOptions {

    @Option(names = "--label-column", paramLabel = "NAME|INDEX")
    String labelColumn;

    @Option(names = "--header", negatable = true)
    Boolean header;

    @Option(names = "--image-size", paramLabel = "HxW")
    String imageSize;

    @Option(names = "--channels", paramLabel = "1|3")
    int channels;

    /** A data specification of {@code source} with these options. */
    DataSpec.Builder builder(String source, boolean regression) {
        return DataSpec.builder(source).labelColumn(labelColumn).header(header).regression(regression)
                .imageSize(imageSize).channels(channels);
    }
}
