package io.averon.core.data;

import io.averon.core.InvalidInputException;

/**
 * What the user asked for with {@code --data} and its companion flags. Build with {@link #builder()}.
 *
 * @param source          {@code fashion-mnist}, an IDX directory, a CSV file or an image folder
 * @param labelColumn     CSV label column (name or 0-based index); null = last column
 * @param header          CSV header present? null = auto-detect
 * @param regression      CSV labels are real-valued targets
 * @param validationSplit fraction held out when the data has no test files of its own
 * @param splitKind       {@link SplitSpec.Kind#RANDOM} or {@link SplitSpec.Kind#TIME_ORDERED}
 * @param imageHeight     image folders: height to resize to
 * @param imageWidth      image folders: width to resize to
 * @param channels        image folders: 1 (grayscale) or 3 (RGB)
 */
public record DataSpec(String source, String labelColumn, Boolean header, boolean regression,
                       double validationSplit, SplitSpec.Kind splitKind, int imageHeight, int imageWidth,
                       int channels) implements java.io.Serializable {

    /** The name that selects the Fashion-MNIST data set. */
    public static final String FASHION_MNIST = "fashion-mnist";

    public DataSpec {
        if (source == null || source.isBlank()) {
            throw new InvalidInputException("--data is required");
        }
        if (!(validationSplit > 0 && validationSplit < 1)) {
            throw new InvalidInputException("--validation-split must be in (0, 1), got " + validationSplit);
        }
        if (splitKind == SplitSpec.Kind.PROVIDED) {
            throw new IllegalArgumentException("split kind must be RANDOM or TIME_ORDERED");
        }
        if (imageHeight < 1 || imageWidth < 1 || imageHeight > ImageFolderReader.MAX_SIDE
                || imageWidth > ImageFolderReader.MAX_SIDE) {
            throw new InvalidInputException("--image-size must be between 1x1 and " + ImageFolderReader.MAX_SIDE
                    + "x" + ImageFolderReader.MAX_SIDE + ", got " + imageHeight + "x" + imageWidth);
        }
        if (channels != 1 && channels != 3) {
            throw new InvalidInputException("--channels must be 1 or 3, got " + channels);
        }
    }

    public static Builder builder(String source) {
        return new Builder(source);
    }

    /** Builder; defaults: label in the last column, header auto-detected, 20% random split, 28x28 grayscale. */
    public static final class Builder {
        private final String source;
        private String labelColumn;
        private Boolean header;
        private boolean regression;
        private double validationSplit = 0.2;
        private SplitSpec.Kind splitKind = SplitSpec.Kind.RANDOM;
        private int imageHeight = 28;
        private int imageWidth = 28;
        private int channels = 1;

        private Builder(String source) {
            this.source = source;
        }

        public Builder labelColumn(String value) {
            labelColumn = value;
            return this;
        }

        public Builder header(Boolean value) {
            header = value;
            return this;
        }

        public Builder regression(boolean value) {
            regression = value;
            return this;
        }

        public Builder validationSplit(double value) {
            validationSplit = value;
            return this;
        }

        public Builder splitKind(SplitSpec.Kind value) {
            splitKind = value;
            return this;
        }

        public Builder imageSize(int height, int width) {
            imageHeight = height;
            imageWidth = width;
            return this;
        }

        public Builder channels(int value) {
            channels = value;
            return this;
        }

        public DataSpec build() {
            return new DataSpec(source, labelColumn, header, regression, validationSplit, splitKind, imageHeight,
                    imageWidth, channels);
        }
    }
}
