package io.averon.driver.scoring;

import io.averon.core.model.AveronModel;
import io.averon.core.train.MinibatchFeeder;
import io.averon.driver.data.FeatureColumn;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.sql.types.DataType;
import org.nd4j.linalg.api.concurrency.AffinityManager;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * One minibatch of examples to score, filled a record at a time into one reused buffer: each
 * {@code add} copies a record's features in, or returns why the record cannot be scored (wrong
 * length, a null, a non-finite value) and leaves it out; {@link #forward} runs the examples added
 * through the model with its normalisation and empties the batch.
 */
public final class FeatureBatch {

    /** What {@link #addNull()} returns. */
    public static final String NULL_FEATURES = "features are null";

    private final int[] shape;
    private final int width;
    private final int capacity;
    private final float[] x;
    private INDArray fullInput; // the model's input for full batches: allocated once, rewritten per batch
    private int size;

    /** A batch of up to {@code capacity} examples of {@code shape}. */
    FeatureBatch(int[] shape, int capacity) {
        this.shape = shape.clone();
        this.width = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        this.capacity = capacity;
        this.x = new float[capacity * width];
    }

    /** A record whose features are null: never added. */
    public String addNull() {
        return NULL_FEATURES;
    }

    /** Features stored as one unsigned byte (0-255) per value. */
    public String add(byte[] pixels) {
        if (pixels.length != width) {
            return "features have " + pixels.length + " bytes; the model takes " + width + " values (shape "
                    + Arrays.toString(shape) + ")";
        }
        FeatureColumn.copy(pixels, x, slot());
        size++;
        return null;
    }

    /** Features as Spark's internal array of floats (the row path casts the column to array&lt;float&gt;). */
    public String add(ArrayData values) {
        return add(values, DataTypes.FloatType);
    }

    /**
     * Features as Spark's internal array (a row's, or a column vector's {@code ColumnarArray}) of
     * {@code elementType}, one of the types {@link #readsArraysOf} accepts.
     */
    String add(ArrayData values, DataType elementType) {
        if (values.numElements() != width) {
            return wrongLength(values.numElements());
        }
        for (int j = 0; j < width; j++) {
            if (values.isNullAt(j)) {
                return nullAt(j);
            }
        }
        Element element = ELEMENTS.get(elementType);
        if (element == null) {
            throw new IllegalArgumentException("cannot read features of type " + elementType.simpleString());
        }
        int at = slot();
        for (int j = 0; j < width; j++) { // straight into the batch: no copy of the row
            float f = element.read(values, j);
            if (!Float.isFinite(f)) {
                return nonFinite(f, j);
            }
            x[at + j] = f;
        }
        size++;
        return null;
    }

    /** Whether {@link #add(ArrayData, DataType)} reads arrays of {@code elementType}. */
    static boolean readsArraysOf(DataType elementType) {
        return ELEMENTS.containsKey(elementType);
    }

    /** Reads one element of an array as a float. */
    private interface Element {
        float read(ArrayData values, int index);
    }

    private static final Map<DataType, Element> ELEMENTS = Map.of(
            DataTypes.FloatType, ArrayData::getFloat,
            DataTypes.DoubleType, (values, j) -> (float) values.getDouble(j),
            DataTypes.IntegerType, ArrayData::getInt,
            DataTypes.LongType, ArrayData::getLong,
            DataTypes.ShortType, ArrayData::getShort,
            DataTypes.ByteType, ArrayData::getByte);

    /**
     * Features of record {@code row} of a column vector (Spark's columnar batches): binary with a
     * byte per value, or an array of a type {@link #readsArraysOf} accepts.
     */
    String add(ColumnVector column, int row) {
        if (column.isNullAt(row)) {
            return addNull();
        }
        if (FeatureColumn.isBytes(column.dataType())) {
            return add(column.getBinary(row));
        }
        return add(column.getArray(row), ((ArrayType) column.dataType()).elementType());
    }

    /** Features as a list of numbers (an array column of a {@code Row}); nulls are reported first, as for {@link ArrayData}. */
    public String add(List<?> values) {
        if (values.size() != width) {
            return wrongLength(values.size());
        }
        for (int j = 0; j < width; j++) {
            if (values.get(j) == null) {
                return nullAt(j);
            }
        }
        int at = slot();
        for (int j = 0; j < width; j++) {
            float f = ((Number) values.get(j)).floatValue();
            if (!Float.isFinite(f)) {
                return nonFinite(f, j);
            }
            x[at + j] = f;
        }
        size++;
        return null;
    }

    /** Features as doubles (the values of a Spark ML vector). */
    public String add(double[] values) {
        if (values.length != width) {
            return wrongLength(values.length);
        }
        int at = slot();
        for (int j = 0; j < width; j++) {
            float f = (float) values[j];
            if (!Float.isFinite(f)) {
                return nonFinite(f, j);
            }
            x[at + j] = f;
        }
        size++;
        return null;
    }

    private int slot() {
        if (size == capacity) {
            throw new IllegalStateException("the batch is full (" + capacity + " examples)");
        }
        return size * width;
    }

    private String wrongLength(int length) {
        return "features have " + length + " values; the model takes " + width + " (shape " + Arrays.toString(shape)
                + ")";
    }

    private static String nullAt(int position) {
        return "features have a null at position " + position;
    }

    private static String nonFinite(float value, int position) {
        return "features have a non-finite value (" + value + ") at position " + position;
    }

    /**
     * The rows of the model's output as heap arrays, from one bulk copy: ND4J's {@code toFloatMatrix}
     * makes a native row view and a native copy of it for every row, which was 60% of an mlp
     * scoring task's time (async-profiler, docs/benchmarks.md).
     */
    private static float[][] rows(INDArray output) {
        int n = (int) output.size(0);
        float[] flat = Nd4j.toFlattened('c', output).castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).toFloatVector();
        int width = flat.length / n;
        float[][] rows = new float[n][];
        for (int i = 0; i < n; i++) {
            rows[i] = Arrays.copyOfRange(flat, i * width, (i + 1) * width);
        }
        return rows;
    }

    /**
     * {@code batch} ({@code examples} examples) as the model's input. A full batch goes into one native
     * array kept for the whole task, with one bulk copy: allocating it per batch (libnd4j zeroes
     * every new buffer, and the fresh pages fault in) and ND4J's element-wise {@code setData} took
     * longer than the mlp's forward pass (async-profiler, docs/benchmarks.md).
     */
    private INDArray input(float[] batch, int examples) {
        long[] batchShape = MinibatchFeeder.batchShape(shape, examples);
        if (examples < capacity) { // a partition's last batch
            return Nd4j.create(batch, batchShape, 'c');
        }
        if (fullInput == null) {
            fullInput = Nd4j.create(org.nd4j.linalg.api.buffer.DataType.FLOAT, batchShape, 'c');
        }
        fullInput.data().asNioFloat().put(0, batch, 0, batch.length);
        Nd4j.getAffinityManager().tagLocation(fullInput, AffinityManager.Location.HOST); // written on the host (CUDA)
        return fullInput;
    }

    /**
     * The model's outputs for the examples added, one row each in order (normalised first with
     * {@code model}'s normalisation); the batch is empty afterwards.
     */
    float[][] forward(ShippedModel model) {
        if (size == 0) {
            return new float[0][];
        }
        int good = size;
        size = 0;
        float[] batch = good == capacity ? x : Arrays.copyOf(x, good * width);
        model.normalizer().applyInPlace(batch, width);
        AveronModel network = ExecutorModels.borrow(model);
        try {
            return rows(network.output(input(batch, good)));
        } finally {
            ExecutorModels.giveBack(model, network);
        }
    }
}
