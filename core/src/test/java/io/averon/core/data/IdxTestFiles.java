package io.averon.core.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Builds small IDX files (MNIST layout) for tests: header, dimensions, unsigned-byte data. */
final class IdxTestFiles {

    static final int UNSIGNED_BYTE = 0x08;

    private IdxTestFiles() {
    }

    /** An IDX file: {@code 0, 0, type, dims.length}, big-endian int32 dimensions, then {@code data}. */
    static byte[] idx(int type, int[] dims, byte[] data) {
        ByteBuffer out = ByteBuffer.allocate(4 + 4 * dims.length + data.length);
        out.put((byte) 0).put((byte) 0).put((byte) type).put((byte) dims.length);
        for (int d : dims) {
            out.putInt(d);
        }
        out.put(data);
        return out.array();
    }

    /** The test pixel of image {@code image} at flat position {@code p}: spans 0..255, 255 included. */
    static int pixel(int image, int p) {
        return image == 0 && p == 0 ? 255 : (image * 37 + p * 11) % 256;
    }

    /** The pixel data of {@code count} images of {@code rows x cols}. */
    static byte[] pixels(int count, int rows, int cols) {
        byte[] data = new byte[count * rows * cols];
        for (int i = 0; i < count; i++) {
            for (int p = 0; p < rows * cols; p++) {
                data[i * rows * cols + p] = (byte) pixel(i, p);
            }
        }
        return data;
    }

    static byte[] imagesFile(int count, int rows, int cols) {
        return idx(UNSIGNED_BYTE, new int[] {count, rows, cols}, pixels(count, rows, cols));
    }

    static byte[] labelsFile(int... labels) {
        byte[] data = new byte[labels.length];
        for (int i = 0; i < labels.length; i++) {
            data[i] = (byte) labels[i];
        }
        return idx(UNSIGNED_BYTE, new int[] {labels.length}, data);
    }

    static byte[] gzip(byte[] raw) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
                gz.write(raw);
            }
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path write(Path file, byte[] bytes) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            return Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
