package io.averon.ps.protocol;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * How a vector's values travel in a chunk (PROTOCOL.md, "Compressed deltas"): float32, or, for a
 * PUSH of a delta, compressed. The header's lengths and offsets always count float32 bytes (the
 * logical vector); only the payload is smaller.
 * <ul>
 *   <li>{@link #BF16}: the upper 16 bits of each float32, rounded to nearest even (8 bits of
 *       mantissa, float32's range): 2 bytes a value.</li>
 *   <li>{@link #INT8}: a float32 scale (the chunk's largest magnitude / 127), then one signed byte a
 *       value, {@code value = byte × scale}: 1 byte a value.</li>
 * </ul>
 * A non-finite value makes the decoded chunk non-finite, which the receiver refuses.
 */
public enum Encoding {
    FLOAT32(0),
    BF16(MessageHeader.FLAG_BF16),
    INT8(MessageHeader.FLAG_INT8);

    private final int flag;

    Encoding(int flag) {
        this.flag = flag;
    }

    /** The header flag that announces this encoding (0 for float32). */
    public int flag() {
        return flag;
    }

    /** The encoding a message's flags announce, or null if they announce two. */
    public static Encoding of(int flags) {
        boolean bf16 = (flags & MessageHeader.FLAG_BF16) != 0;
        boolean int8 = (flags & MessageHeader.FLAG_INT8) != 0;
        return bf16 && int8 ? null : bf16 ? BF16 : int8 ? INT8 : FLOAT32;
    }

    /** Float32 bytes of the logical vector that one chunk of {@code chunkBytes} payload carries. */
    public int logicalChunkBytes(int chunkBytes) {
        return switch (this) {
            case FLOAT32 -> chunkBytes;
            case BF16 -> chunkBytes / 2 * Float.BYTES;
            case INT8 -> (chunkBytes - Float.BYTES) * Float.BYTES;
        };
    }

    /** Payload bytes of a chunk of {@code values} values. */
    public int encodedBytes(int values) {
        return switch (this) {
            case FLOAT32 -> values * Float.BYTES;
            case BF16 -> values * 2;
            case INT8 -> Float.BYTES + values;
        };
    }

    /** Values in a chunk whose payload has {@code encodedBytes} bytes. */
    public int values(int encodedBytes) {
        return switch (this) {
            case FLOAT32 -> encodedBytes / Float.BYTES;
            case BF16 -> encodedBytes / 2;
            case INT8 -> encodedBytes - Float.BYTES;
        };
    }

    /**
     * Encodes {@code values[first .. first + n)} plus {@code residual} (when not null: error
     * feedback) at {@code at}, and leaves in {@code residual} what the encoding dropped; returns the
     * payload length.
     */
    public int encode(float[] values, int first, int n, float[] residual, MutableDirectBuffer dst, int at) {
        switch (this) {
            case FLOAT32 -> {
                for (int k = 0; k < n; k++) {
                    dst.putFloat(at + k * Float.BYTES, values[first + k], ByteOrder.LITTLE_ENDIAN);
                }
            }
            case BF16 -> {
                for (int k = 0; k < n; k++) {
                    int i = first + k;
                    float x = residual == null ? values[i] : values[i] + residual[i];
                    short h = toBf16(x);
                    dst.putShort(at + 2 * k, h, ByteOrder.LITTLE_ENDIAN);
                    if (residual != null) {
                        residual[i] = x - fromBf16(h);
                    }
                }
            }
            case INT8 -> {
                float max = 0;
                for (int k = 0; k < n; k++) {
                    int i = first + k;
                    float x = residual == null ? values[i] : values[i] + residual[i];
                    max = Float.isFinite(x) ? Math.max(max, Math.abs(x)) : Float.NaN;
                    if (Float.isNaN(max)) {
                        break;
                    }
                }
                float scale = max / 127f;
                dst.putFloat(at, scale, ByteOrder.LITTLE_ENDIAN);
                for (int k = 0; k < n; k++) {
                    int i = first + k;
                    float x = residual == null ? values[i] : values[i] + residual[i];
                    byte q = scale > 0 ? (byte) Math.max(-127, Math.min(127, Math.round(x / scale))) : 0;
                    dst.putByte(at + Float.BYTES + k, q);
                    if (residual != null) {
                        residual[i] = x - q * scale;
                    }
                }
            }
            default -> throw new IllegalStateException();
        }
        return encodedBytes(n);
    }

    /** Decodes {@code n} values at {@code at} into {@code values[first .. first + n)}. */
    public void decode(DirectBuffer src, int at, int n, float[] values, int first) {
        switch (this) {
            case FLOAT32 -> {
                for (int k = 0; k < n; k++) {
                    values[first + k] = src.getFloat(at + k * Float.BYTES, ByteOrder.LITTLE_ENDIAN);
                }
            }
            case BF16 -> {
                for (int k = 0; k < n; k++) {
                    values[first + k] = fromBf16(src.getShort(at + 2 * k, ByteOrder.LITTLE_ENDIAN));
                }
            }
            case INT8 -> {
                float scale = src.getFloat(at, ByteOrder.LITTLE_ENDIAN);
                for (int k = 0; k < n; k++) {
                    values[first + k] = src.getByte(at + Float.BYTES + k) * scale;
                }
            }
            default -> throw new IllegalStateException();
        }
    }

    static short toBf16(float x) {
        int bits = Float.floatToRawIntBits(x);
        if (Float.isNaN(x)) {
            return (short) ((bits >>> 16) | 0x40); // stays a NaN
        }
        return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
    }

    static float fromBf16(short h) {
        return Float.intBitsToFloat((h & 0xFFFF) << 16);
    }
}
