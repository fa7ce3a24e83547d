package io.averon.core.data;

import io.averon.core.InvalidInputException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import io.averon.core.io.Location;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * Turns a {@link DataSpec} into data: finds out what {@code --data} names (the Fashion-MNIST
 * alias, a directory of MNIST-style IDX files, a CSV file or an image folder), reads it, splits it
 * and normalises it with statistics of the training split only.
 */
public final class DataSources {

    /** Where Debian's {@code dataset-fashion-mnist} package installs the data. */
    public static final Path DEBIAN_FASHION_MNIST = Path.of("/usr/share/datasets/fashion-mnist");
    /** Fashion-MNIST's class names, by label. */
    public static final List<String> FASHION_MNIST_CLASSES = List.of("T-shirt/top", "Trouser", "Pullover",
            "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");
    /** Class names of an IDX directory without classes.txt whose name does not say Fashion: 0-9. */
    public static final List<String> DIGITS = IntStream.range(0, 10).mapToObj(Integer::toString).toList();
    private static final float PIXEL_SCALE = 1f / 255f;

    /** The kinds of data source. */
    public enum Kind { IDX_DIRECTORY, CSV, IMAGE_FOLDER }

    private DataSources() {
    }

    /** Reads, splits and normalises data for training. */
    public static TrainTestData loadForTraining(DataSpec spec, long seed) {
        Location path = resolve(spec.source());
        Kind kind = kindOf(path);
        if (kind == Kind.IDX_DIRECTORY) {
            List<String> classes = idxClassNames(path);
            ArrayDataSet train = IdxReader.readImagesAndLabels(idxFile(path, "train-images-idx3-ubyte"),
                    idxFile(path, "train-labels-idx1-ubyte"), classes);
            ArrayDataSet test = IdxReader.readImagesAndLabels(idxFile(path, "t10k-images-idx3-ubyte"),
                    idxFile(path, "t10k-labels-idx1-ubyte"), classes);
            checkSameShape(train, test);
            Normalizer normalizer = Normalizer.scale(PIXEL_SCALE);
            return new TrainTestData(normalizer.apply(train), normalizer.apply(test), normalizer, SplitSpec.provided());
        }
        ArrayDataSet all = readWhole(kind, path, spec, null);
        SplitSpec split = new SplitSpec(spec.splitKind(), spec.validationSplit(), seed);
        Splits.Split parts = Splits.apply(split, all);
        Normalizer normalizer = defaultNormalizer(kind, parts.train());
        return new TrainTestData(normalizer.apply(parts.train()), normalizer.apply(parts.validation()), normalizer, split);
    }

    /**
     * The held-out split of {@code spec}'s data as a trained model saw it: same classes, same
     * split, the model's normalisation.
     */
    public static ArrayDataSet loadForEvaluation(DataSpec spec, List<String> classNames, int[] inputShape,
                                                 Normalizer normalizer, SplitSpec split) {
        Location path = resolve(spec.source());
        Kind kind = kindOf(path);
        ArrayDataSet test;
        if (kind == Kind.IDX_DIRECTORY) {
            test = IdxReader.readImagesAndLabels(idxFile(path, "t10k-images-idx3-ubyte"),
                    idxFile(path, "t10k-labels-idx1-ubyte"), classNames);
        } else {
            DataSpec shaped = kind == Kind.IMAGE_FOLDER && inputShape.length == 3
                    ? new DataSpec(spec.source(), spec.labelColumn(), spec.header(), spec.regression(),
                    spec.validationSplit(), spec.splitKind(), inputShape[1], inputShape[2], inputShape[0])
                    : spec;
            ArrayDataSet all = readWhole(kind, path, shaped, classNames.isEmpty() ? null : classNames);
            test = split.kind() == SplitSpec.Kind.PROVIDED ? all : Splits.apply(split, all).validation();
        }
        return normalizer.apply(test);
    }

    /**
     * Resolves the {@code fashion-mnist} alias; other sources (a path or any Hadoop FileSystem URI:
     * {@code file://}, {@code hdfs://}, ...) must exist.
     */
    public static Location resolve(String source) {
        if (DataSpec.FASHION_MNIST.equals(source)) {
            return Location.of(fashionMnistDirectory());
        }
        Location path = Location.of(source);
        if (!path.exists()) {
            throw new InvalidInputException(source + ": no such file or directory");
        }
        return path;
    }

    /** The installed Fashion-MNIST directory: {@code $AVERON_DATA/fashion-mnist}, else Debian's. */
    static Path fashionMnistDirectory() {
        return fashionMnistDirectory(System.getenv("AVERON_DATA"), DEBIAN_FASHION_MNIST);
    }

    /** As {@link #fashionMnistDirectory()}, with the two places to look given. */
    static Path fashionMnistDirectory(String averonData, Path systemDirectory) {
        if (averonData != null && !averonData.isBlank()) {
            Path own = Path.of(averonData, DataSpec.FASHION_MNIST);
            if (Files.isDirectory(own)) {
                return own;
            }
        }
        if (Files.isDirectory(systemDirectory)) {
            return systemDirectory;
        }
        throw new InvalidInputException("Fashion-MNIST not found in " + systemDirectory
                + (averonData == null || averonData.isBlank() ? "" : " or " + Path.of(averonData, DataSpec.FASHION_MNIST))
                + ": install it with 'sudo apt-get install dataset-fashion-mnist', or download the four "
                + "*-ubyte.gz files from https://github.com/zalandoresearch/fashion-mnist into "
                + "$AVERON_DATA/fashion-mnist");
    }

    /** What kind of source {@code path} is. */
    public static Kind kindOf(Path path) {
        return kindOf(Location.of(path));
    }

    /** What kind of source {@code path} is. */
    public static Kind kindOf(Location path) {
        if (path.isDirectory()) {
            if (path.child("train-images-idx3-ubyte.gz").exists() || path.child("train-images-idx3-ubyte").exists()
                    || path.child("train-labels-idx1-ubyte.gz").exists() || path.child("train-labels-idx1-ubyte").exists()) {
                return Kind.IDX_DIRECTORY;
            }
            return Kind.IMAGE_FOLDER;
        }
        String name = path.name().toLowerCase(Locale.ROOT);
        if (name.endsWith(".csv") || name.endsWith(".csv.gz") || name.endsWith(".tsv") || name.endsWith(".txt")) {
            return Kind.CSV;
        }
        throw new InvalidInputException(path + ": not a CSV file (.csv), an image folder or a directory of "
                + "MNIST-style IDX files");
    }

    private static ArrayDataSet readWhole(Kind kind, Location path, DataSpec spec, List<String> classNames) {
        return readWhole(kind, path, spec, classNames, null);
    }

    private static ArrayDataSet readWhole(Kind kind, Location path, DataSpec spec, List<String> classNames,
                                          RejectSink rejects) {
        if (kind == Kind.CSV) {
            CsvOptions options = CsvOptions.builder().labelColumn(spec.labelColumn()).header(spec.header())
                    .regression(spec.regression()).classNames(classNames).build();
            return CsvReader.read(path, options, rejects);
        }
        return ImageFolderReader.read(path, spec.imageHeight(), spec.imageWidth(), spec.channels(), classNames,
                rejects);
    }

    /**
     * A source as it is stored, not split and not normalised (what {@code averon import} copies):
     * an IDX directory's {@code train} and {@code test} parts, or the one part {@code all} of a
     * CSV file or image folder.
     */
    public record RawData(Kind kind, java.util.Map<String, ArrayDataSet> parts) {
    }

    /**
     * Reads {@code spec}'s source whole; with {@code rejects}, bad records (CSV rows, images) go
     * there instead of failing the read.
     */
    public static RawData readRaw(DataSpec spec, RejectSink rejects) {
        Location path = resolve(spec.source());
        Kind kind = kindOf(path);
        java.util.Map<String, ArrayDataSet> parts = new java.util.LinkedHashMap<>();
        if (kind == Kind.IDX_DIRECTORY) {
            List<String> classes = idxClassNames(path);
            parts.put("train", IdxReader.readImagesAndLabels(idxFile(path, "train-images-idx3-ubyte"),
                    idxFile(path, "train-labels-idx1-ubyte"), classes));
            parts.put("test", IdxReader.readImagesAndLabels(idxFile(path, "t10k-images-idx3-ubyte"),
                    idxFile(path, "t10k-labels-idx1-ubyte"), classes));
            checkSameShape(parts.get("train"), parts.get("test"));
        } else {
            parts.put("all", readWhole(kind, path, spec, null, rejects));
        }
        return new RawData(kind, parts);
    }

    /** Pixel scaling for images; for CSV, standardisation with {@code train}'s statistics. */
    public static Normalizer defaultNormalizer(Kind kind, ArrayDataSet train) {
        return kind == Kind.CSV ? Normalizer.fitStandardize(train) : Normalizer.scale(PIXEL_SCALE);
    }

    private static Location idxFile(Location dir, String base) {
        Location gz = dir.child(base + ".gz");
        if (gz.exists()) {
            return gz;
        }
        Location raw = dir.child(base);
        if (raw.exists()) {
            return raw;
        }
        throw new InvalidInputException(raw + "[.gz]: no such file (an IDX directory holds "
                + "train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and "
                + "t10k-labels-idx1-ubyte, optionally .gz)");
    }

    /** {@code classes.txt} (one name per line) if present; Fashion-MNIST's names; else digits 0-9. */
    static List<String> idxClassNames(Location dir) {
        Location classesFile = dir.child("classes.txt");
        if (classesFile.exists()) {
            try (java.io.BufferedReader reader = new java.io.BufferedReader(new java.io.InputStreamReader(
                    classesFile.open(), StandardCharsets.UTF_8))) {
                List<String> names = reader.lines().map(String::strip).filter(s -> !s.isEmpty()).toList();
                if (names.size() < 2) {
                    throw new InvalidInputException(classesFile + ": needs at least 2 class names, one per line");
                }
                return names;
            } catch (IOException e) {
                throw new InvalidInputException(classesFile + ": cannot read (" + e.getMessage() + ")");
            }
        }
        String name = dir.name();
        if (name.toLowerCase(Locale.ROOT).contains("fashion")) {
            return FASHION_MNIST_CLASSES;
        }
        return DIGITS;
    }

    private static void checkSameShape(ArrayDataSet train, ArrayDataSet test) {
        if (!java.util.Arrays.equals(train.exampleShape(), test.exampleShape())) {
            throw new InvalidInputException(test.name() + ": examples of shape "
                    + java.util.Arrays.toString(test.exampleShape()) + " differ from the training data's "
                    + java.util.Arrays.toString(train.exampleShape()));
        }
    }
}
