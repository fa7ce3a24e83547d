package io.averon.driver.data;

import io.averon.core.InvalidInputException;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;

/**
 * Training data that already lives in Spark: an RDD of DL4J {@link DataSet}s or a
 * {@link Dataset} of rows, with a separate held-out set evaluated after every epoch. Nothing is
 * read until the Spark engine ({@code TrainingInput.of(data)} given to {@code SparkEngine.fit})
 * validates it in one Spark job, then routes every example to its worker's partition (kept in
 * Spark's cache in serialized form, never as ND4J arrays).
 *
 * <pre>{@code
 * SparkData data = SparkData.fromDataSets(trainRdd, testRdd, List.of("cat", "dog"));
 * SparkData rows = SparkData.fromRows(trainDf, testDf, "features", "label", classNames, 1, 28, 28);
 * }</pre>
 */
public final class SparkData {

    /** Turns one input element into examples, or throws {@link InvalidInputException} saying what is wrong with it. */
    public interface Converter<T> extends Serializable {
        void convert(T element, Sink sink);
    }

    /** Receives one example: its shape, flat features, and a class index or a regression target. */
    public interface Sink {
        void accept(int[] shape, float[] features, int label, float target);
    }

    /** One input: its elements and how to read them; {@code what} names its elements in messages ("train DataSet"). */
    public record Part<T>(JavaRDD<T> rdd, Converter<T> converter, String what) implements Serializable {
    }

    private final Part<?> train;
    private final Part<?> test;
    private final List<String> classNames;

    private SparkData(Part<?> train, Part<?> test, List<String> classNames) {
        if (train == null || train.rdd() == null || test == null || test.rdd() == null) {
            throw new InvalidInputException("both a training and a held-out (test) input are needed; split one with "
                    + "randomSplit, or for time series by time");
        }
        this.train = train;
        this.test = test;
        this.classNames = List.copyOf(classNames);
        if (this.classNames.size() == 1) {
            throw new InvalidInputException("a classifier needs at least 2 classes, got " + this.classNames);
        }
    }

    /**
     * DL4J data sets (single examples or minibatches): features {@code [n, ...]}; labels one-hot
     * {@code [n, classes]} for classification, {@code [n, 1]} for regression.
     *
     * @param classNames the class names, index = label column; empty for regression
     */
    public static SparkData fromDataSets(JavaRDD<DataSet> train, JavaRDD<DataSet> test, List<String> classNames) {
        int classes = classNames.size();
        return new SparkData(new Part<>(train, (ds, sink) -> convert(ds, classes, sink), "train DataSet"),
                new Part<>(test, (ds, sink) -> convert(ds, classes, sink), "test DataSet"), classNames);
    }

    /**
     * Rows with a features column (an array of numbers or binary with one byte 0-255 per value, {@code exampleShape} flattened) and a label
     * column (a class index, a class name, or for regression a number).
     *
     * @param classNames   the class names; empty for regression
     * @param exampleShape the shape of one example, e.g. {@code 1, 28, 28}; none = a flat vector
     */
    public static SparkData fromRows(Dataset<Row> train, Dataset<Row> test, String featuresColumn, String labelColumn,
                                     List<String> classNames, int... exampleShape) {
        return new SparkData(rows(train, "train", featuresColumn, labelColumn, classNames, exampleShape),
                rows(test, "test", featuresColumn, labelColumn, classNames, exampleShape), classNames);
    }

    /**
     * The same data with {@code normalizer} applied to every example's features as it is read in
     * the executors (what the trained model then records and applies when scoring).
     */
    public SparkData normalized(io.averon.core.data.Normalizer normalizer) {
        return new SparkData(normalize(train, normalizer), normalize(test, normalizer), classNames);
    }

    private static <T> Part<T> normalize(Part<T> part, io.averon.core.data.Normalizer normalizer) {
        Converter<T> inner = part.converter();
        Converter<T> converter = (element, sink) -> inner.convert(element, (shape, features, label, target) -> {
            normalizer.applyInPlace(features, features.length);
            sink.accept(shape, features, label, target);
        });
        return new Part<>(part.rdd(), converter, part.what());
    }

    public Part<?> train() {
        return train;
    }

    public Part<?> test() {
        return test;
    }

    /** Class names; empty = regression. */
    /** What the input is made of, for messages and metrics.json ("train DataSets, test DataSets"). */
    public String describe() {
        return train.what() + "s, " + test.what() + "s";
    }

    public List<String> classNames() {
        return classNames;
    }

    private static Part<Row> rows(Dataset<Row> rows, String split, String featuresColumn, String labelColumn,
                                  List<String> classNames, int[] exampleShape) {
        if (rows == null) {
            return null;
        }
        int features = fieldIndex(rows, split, featuresColumn);
        int label = fieldIndex(rows, split, labelColumn);
        DataType featureType = rows.schema().fields()[features].dataType();
        FeatureColumn.check(featureType, split + " column '" + featuresColumn + "'");
        boolean bytes = FeatureColumn.isBytes(featureType);
        DataType labelType = rows.schema().fields()[label].dataType();
        boolean named = labelType.equals(DataTypes.StringType);
        if (!named && !(labelType instanceof NumericType)) {
            throw new InvalidInputException(split + " column '" + labelColumn + "' is " + labelType.simpleString()
                    + "; it must hold class indices, class names or numbers");
        }
        if (named && classNames.isEmpty()) {
            throw new InvalidInputException(split + " column '" + labelColumn + "' holds strings, but no class names "
                    + "were given (regression needs numbers)");
        }
        List<String> names = List.copyOf(classNames);
        int[] shape = exampleShape == null ? new int[0] : exampleShape.clone();
        Converter<Row> converter = (row, sink) -> {
            if (row.isNullAt(features) || row.isNullAt(label)) {
                throw new InvalidInputException("'" + (row.isNullAt(features) ? featuresColumn : labelColumn) + "' is null");
            }
            float[] x = bytes ? FeatureColumn.toFloats((byte[]) row.get(features)) : numbers(row.getList(features),
                    featuresColumn);
            int[] s = shape.length == 0 ? new int[] {x.length} : shape;
            if (names.isEmpty()) {
                sink.accept(s, x, -1, ((Number) row.get(label)).floatValue());
            } else {
                int c = named ? names.indexOf(row.getString(label)) : classIndex(row.get(label), names.size());
                if (c < 0) {
                    throw new InvalidInputException("label '" + row.get(label) + "' is not one of " + names);
                }
                sink.accept(s, x, c, 0);
            }
        };
        return new Part<>(rows.javaRDD(), converter, split + " row");
    }

    private static float[] numbers(List<Object> values, String column) {
        float[] x = new float[values.size()];
        for (int i = 0; i < x.length; i++) {
            Object v = values.get(i);
            if (v == null) {
                throw new InvalidInputException("'" + column + "' has a null at position " + i);
            }
            x[i] = ((Number) v).floatValue();
        }
        return x;
    }

    private static int fieldIndex(Dataset<Row> rows, String split, String column) {
        if (rows.schema().getFieldIndex(column).isDefined()) {
            return rows.schema().fieldIndex(column);
        }
        throw new InvalidInputException(split + " rows have no column '" + column + "'; columns: "
                + Arrays.toString(rows.schema().fieldNames()));
    }

    private static int classIndex(Object value, int classes) {
        double d = ((Number) value).doubleValue();
        if (d != Math.rint(d) || d < 0 || d >= classes) {
            throw new InvalidInputException("label " + value + " is outside the class range [0, " + classes + ")");
        }
        return (int) d;
    }

    private static void convert(DataSet ds, int classes, Sink sink) {
        INDArray f = ds.getFeatures();
        INDArray l = ds.getLabels();
        if (f == null || l == null) {
            throw new InvalidInputException("has no " + (f == null ? "features" : "labels"));
        }
        if (f.rank() < 2 || l.rank() != 2 || f.size(0) != l.size(0)) {
            throw new InvalidInputException("features " + Arrays.toString(f.shape()) + " and labels "
                    + Arrays.toString(l.shape()) + " do not make [n, ...] / [n, columns] examples");
        }
        int n = (int) f.size(0);
        int[] shape = new int[f.rank() - 1];
        for (int d = 1; d < f.rank(); d++) {
            shape[d - 1] = (int) f.size(d);
        }
        int width = (int) (f.length() / Math.max(1, n));
        float[] all = Nd4j.toFlattened('c', f).castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).toFloatVector();
        float[][] labels = l.castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).toFloatMatrix();
        int columns = (int) l.size(1);
        if (classes == 0 && columns != 1) {
            throw new InvalidInputException("has " + columns + " label columns; regression needs 1");
        }
        if (classes > 0 && columns != classes) {
            throw new InvalidInputException("has " + columns + " label columns for " + classes + " classes");
        }
        for (int i = 0; i < n; i++) {
            float[] x = Arrays.copyOfRange(all, i * width, (i + 1) * width);
            if (classes == 0) {
                sink.accept(shape, x, -1, labels[i][0]);
            } else {
                sink.accept(shape, x, oneHot(labels[i], i), 0);
            }
        }
    }

    private static int oneHot(float[] row, int example) {
        int hot = -1;
        for (int c = 0; c < row.length; c++) {
            if (row[c] == 1f && hot < 0) {
                hot = c;
            } else if (row[c] != 0f) {
                hot = -2;
                break;
            }
        }
        if (hot < 0) {
            throw new InvalidInputException("example " + example + ": labels " + Arrays.toString(row)
                    + " are not one-hot");
        }
        return hot;
    }
}
