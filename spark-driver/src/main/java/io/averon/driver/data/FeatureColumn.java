package io.averon.driver.data;

import io.averon.core.InvalidInputException;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;

/**
 * The two encodings a features column may have: an array of numbers, or {@code binary} holding
 * one unsigned byte (0-255) per value, what {@code averon import} writes for 8-bit images (a
 * quarter of the bytes of floats, and read from Parquet without decoding a nested column).
 */
public final class FeatureColumn {

    private FeatureColumn() {
    }

    /** Whether {@code type} is the byte-per-value encoding. */
    public static boolean isBytes(DataType type) {
        return DataTypes.BinaryType.equals(type);
    }

    /** Throws, naming {@code column} (e.g. "input column 'features'"), unless {@code type} is one of the two encodings. */
    public static void check(DataType type, String column) {
        boolean numbers = type instanceof ArrayType array && array.elementType() instanceof NumericType;
        if (!numbers && !isBytes(type)) {
            throw new InvalidInputException(column + " is " + type.simpleString()
                    + "; it must be an array of numbers, or binary with one unsigned byte per value");
        }
    }

    /** Copies {@code pixels} into {@code x} at {@code offset} as the numbers 0-255. */
    public static void copy(byte[] pixels, float[] x, int offset) {
        for (int i = 0; i < pixels.length; i++) {
            x[offset + i] = pixels[i] & 0xFF;
        }
    }

    /** {@code pixels} as the numbers 0-255. */
    public static float[] toFloats(byte[] pixels) {
        float[] x = new float[pixels.length];
        copy(pixels, x, 0);
        return x;
    }

    /** Whether every one of {@code values} is a whole number in 0-255 (so {@link #toBytes} keeps it exactly). */
    public static boolean fitsBytes(float[] values) {
        for (float v : values) {
            if (v < 0 || v > 255 || v != Math.rint(v)) {
                return false;
            }
        }
        return true;
    }

    /** {@code values[from, to)} as unsigned bytes; each must be a whole number in 0-255 ({@link #fitsBytes}). */
    public static byte[] toBytes(float[] values, int from, int to) {
        byte[] out = new byte[to - from];
        for (int i = from; i < to; i++) {
            out[i - from] = (byte) (int) values[i];
        }
        return out;
    }
}
