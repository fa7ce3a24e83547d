package io.averon.core.artifact;

import io.averon.core.InvalidInputException;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * Encoding of a float32 vector: magic {@code AVFV}, int32 version 1, int64 count, then
 * {@code count} little-endian IEEE-754 floats. No Java serialization.
 */
final class FloatVectorCodec {

    private static final int MAGIC = 0x56465641; // "AVFV" little-endian
    private static final int VERSION = 1;
    private static final int HEADER_BYTES = 16;

    private FloatVectorCodec() {
    }

    static long encodedLength(long count) {
        return HEADER_BYTES + count * Float.BYTES;
    }

    static byte[] encode(INDArray vector) {
        long count = vector.length();
        INDArray flat = vector.castTo(DataType.FLOAT).reshape(new long[] {count});
        ByteBuffer out = ByteBuffer.allocate((int) encodedLength(count)).order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(MAGIC).putInt(VERSION).putLong(count);
        INDArray dense = flat.isView() || flat.ordering() != 'c' ? flat.dup('c') : flat;
        FloatBuffer source = dense.data().asNioFloat();
        out.asFloatBuffer().put(source.position(0).limit((int) count));
        return out.array();
    }

    /** Decodes {@code bytes} into {@code target}, which must have exactly the encoded length. */
    static void decodeInto(byte[] bytes, INDArray target, String name) {
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < HEADER_BYTES || in.getInt() != MAGIC) {
            throw new InvalidInputException(name + ": not a float vector (bad magic)");
        }
        int version = in.getInt();
        if (version != VERSION) {
            throw new InvalidInputException(name + ": float vector version " + version + " is not supported");
        }
        long count = in.getLong();
        if (count != target.length() || bytes.length != encodedLength(count)) {
            throw new InvalidInputException(name + ": holds " + count + " values in " + bytes.length
                    + " bytes, the model needs " + target.length());
        }
        float[] values = new float[(int) count];
        in.asFloatBuffer().get(values);
        target.assign(Nd4j.createFromArray(values).reshape(target.shape()));
    }
}
