package io.averon.driver.cli;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/** Small generated inputs for CLI tests. */
final class TestFiles {

    static final int SIDE = 16;

    private TestFiles() {
    }

    /**
     * An MNIST-style IDX directory: {@code train} and {@code test} images of 16x16 whose class
     * (0-9) is encoded as a bright band at row = class, so models can learn it.
     */
    static Path idxDirectory(Path dir, int train, int test) throws IOException {
        Files.createDirectories(dir);
        Random random = new Random(3);
        writeSplit(dir, "train", train, random);
        writeSplit(dir, "t10k", test, random);
        return dir;
    }

    private static void writeSplit(Path dir, String prefix, int n, Random random) throws IOException {
        byte[] pixels = new byte[n * SIDE * SIDE];
        byte[] labels = new byte[n];
        for (int i = 0; i < n; i++) {
            int label = i % 10;
            labels[i] = (byte) label;
            for (int p = 0; p < SIDE * SIDE; p++) {
                int row = p / SIDE;
                int value = row == label ? 200 + random.nextInt(56) : random.nextInt(40);
                pixels[i * SIDE * SIDE + p] = (byte) value;
            }
        }
        writeIdx(dir.resolve(prefix + "-images-idx3-ubyte.gz"), 0x803, new int[] {n, SIDE, SIDE}, pixels, true);
        writeIdx(dir.resolve(prefix + "-labels-idx1-ubyte.gz"), 0x801, new int[] {n}, labels, true);
    }

    static void writeIdx(Path file, int magic, int[] dims, byte[] data, boolean gzip) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(magic);
        for (int d : dims) {
            out.writeInt(d);
        }
        out.write(data);
        out.flush();
        byte[] raw = bytes.toByteArray();
        try (OutputStream os = gzip ? new GZIPOutputStream(Files.newOutputStream(file)) : Files.newOutputStream(file)) {
            os.write(raw);
        }
    }

    /** A CSV with header x1,x2,label; label is a if x1 + x2 > 0 else b. */
    static Path csv(Path file, int rows) throws IOException {
        Random random = new Random(5);
        StringBuilder text = new StringBuilder("x1,x2,label\n");
        for (int i = 0; i < rows; i++) {
            double x1 = random.nextGaussian();
            double x2 = random.nextGaussian();
            text.append(String.format(java.util.Locale.ROOT, "%.4f,%.4f,%s%n", x1, x2, x1 + x2 > 0 ? "a" : "b"));
        }
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return file;
    }
}
