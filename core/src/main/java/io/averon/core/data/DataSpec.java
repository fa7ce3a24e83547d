package io.averon.core.data;

import io.averon.core.InvalidInputException;
import io.averon.core.settings.Setting;
import io.averon.core.settings.SettingValues;

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

    public static final Setting<String> DATA = Setting.of("data", String.class, FASHION_MNIST,
            "fashion-mnist, a directory of MNIST-style IDX files, a CSV file or an image folder (one sub-folder per "
                    + "class), as a local path or a Hadoop FileSystem URI; or a data set written by averon import.");
    public static final Setting<String> LABEL_COLUMN = Setting.of("label-column", String.class, null,
            "CSV: the label column, by header name or 0-based index. Default: the last column.");
    public static final Setting<Boolean> HEADER = Setting.of("header", Boolean.class, null,
            "CSV: the first row is (not) a header. Default: detected.");
    public static final Setting<Double> VALIDATION_SPLIT = Setting.of("validation-split", Double.class, 0.2,
            "CSV / image folder: fraction held out as the test split.").requiring(v -> v > 0 && v < 1,
            "must be in (0, 1)");
    public static final Setting<String> SPLIT = Setting.of("split", String.class, "random",
            "CSV / image folder: random (seeded) or time (the last rows, for time series).")
            .requiring(v -> v.equalsIgnoreCase("random") || v.equalsIgnoreCase("time"), "must be random or time");
    public static final Setting<String> IMAGE_SIZE = Setting.of("image-size", String.class, "28x28",
            "Image folder: resize images to HxW.").requiring(v -> v.toLowerCase(java.util.Locale.ROOT)
            .matches("\\s*\\d{1,9}\\s*x\\s*\\d{1,9}\\s*"), "must look like 28x28");
    public static final Setting<Integer> CHANNELS = Setting.of("channels", Integer.class, 1,
            "Image folder: 1 (grayscale) or 3 (RGB).").requiring(v -> v == 1 || v == 3, "must be 1 or 3");

    /** The settings of a data specification, in the order metrics.json records them. */
    public static final java.util.List<Setting<?>> SETTINGS = java.util.List.of(DATA, LABEL_COLUMN, HEADER,
            VALIDATION_SPLIT, SPLIT, IMAGE_SIZE, CHANNELS);

    public DataSpec {
        if (source == null || source.isBlank()) {
            throw new InvalidInputException("--data is required");
        }
        VALIDATION_SPLIT.validate(validationSplit);
        if (splitKind == SplitSpec.Kind.PROVIDED) {
            throw new IllegalArgumentException("split kind must be RANDOM or TIME_ORDERED");
        }
        if (imageHeight < 1 || imageWidth < 1 || imageHeight > ImageFolderReader.MAX_SIDE
                || imageWidth > ImageFolderReader.MAX_SIDE) {
            throw new InvalidInputException("--image-size must be between 1x1 and " + ImageFolderReader.MAX_SIDE
                    + "x" + ImageFolderReader.MAX_SIDE + ", got " + imageHeight + "x" + imageWidth);
        }
        CHANNELS.validate(channels);
    }

    /**
     * What metrics.json's {@code config} records: the source and how it is read (the split is
     * recorded with the data's facts, as made).
     */
    public java.util.Map<String, Object> settings() {
        return new SettingValues().put(DATA, source).putIfSet(LABEL_COLUMN, labelColumn)
                .putDescribed(HEADER, header == null ? "detected" : header)
                .put(IMAGE_SIZE, imageHeight + "x" + imageWidth).put(CHANNELS, channels).toMap();
    }

    /** {@code random} or {@code time} ({@link #SPLIT}) as a split kind. */
    public static SplitSpec.Kind splitKind(String option) {
        return SPLIT.validate(option).equalsIgnoreCase("time") ? SplitSpec.Kind.TIME_ORDERED : SplitSpec.Kind.RANDOM;
    }

    public static Builder builder(String source) {
        return new Builder(source);
    }

    /** Builder with the settings' defaults ({@link #SETTINGS}). */
    public static final class Builder {
        private final String source;
        private String labelColumn;
        private Boolean header;
        private boolean regression;
        private double validationSplit = VALIDATION_SPLIT.defaultValue();
        private SplitSpec.Kind splitKind = DataSpec.splitKind(SPLIT.defaultValue());
        private int imageHeight;
        private int imageWidth;
        private int channels = CHANNELS.defaultValue();

        private Builder(String source) {
            this.source = source;
            imageSize(IMAGE_SIZE.defaultValue());
        }

        /** {@code HxW}, as {@code --image-size} takes it. */
        public Builder imageSize(String heightByWidth) {
            String[] hw = IMAGE_SIZE.validate(heightByWidth).toLowerCase(java.util.Locale.ROOT).split("x");
            return imageSize(Integer.parseInt(hw[0].strip()), Integer.parseInt(hw[1].strip()));
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
