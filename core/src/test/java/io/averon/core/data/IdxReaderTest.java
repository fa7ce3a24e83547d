package io.averon.core.data;

import static io.averon.core.InvalidInputAssertions.assertInvalidInput;
import io.averon.core.InvalidInputException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static io.averon.core.data.IdxTestFiles.UNSIGNED_BYTE;
import static io.averon.core.data.IdxTestFiles.gzip;
import static io.averon.core.data.IdxTestFiles.idx;
import static io.averon.core.data.IdxTestFiles.imagesFile;
import static io.averon.core.data.IdxTestFiles.labelsFile;
import static io.averon.core.data.IdxTestFiles.pixel;
import static io.averon.core.data.IdxTestFiles.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Tag("fast")
class IdxReaderTest {

    private static final List<String> DIGITS = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
    private static final int[] LABELS = {0, 3, 9, 1, 7};

    @TempDir
    Path dir;

    /** Asserts an InvalidInputException with a one-line message naming {@code file} and holding every fragment. */
    private static String assertInvalid(Executable call, Path file, String... fragments) {
        String message = assertInvalidInput(call, fragments);
        assertTrue(message.contains(file.getFileName().toString()), () -> "file name missing in: " + message);
        return message;
    }

    private Path images(String name, byte[] bytes) {
        return write(dir.resolve(name), bytes);
    }

    private void assertValidPair(ArrayDataSet data, Path imagesPath) {
        assertEquals(imagesPath.toString(), data.name());
        assertArrayEquals(new int[] {1, 4, 4}, data.exampleShape());
        assertEquals(5, data.size());
        assertArrayEquals(LABELS, data.classes().values());
        assertEquals(DIGITS, data.classNames());
        float[] expected = new float[5 * 16];
        for (int i = 0; i < 5; i++) {
            for (int p = 0; p < 16; p++) {
                expected[i * 16 + p] = pixel(i, p);
            }
        }
        assertArrayEquals(expected, data.features(), "pixels are read as unsigned bytes 0..255, row-major");
        assertEquals(255f, data.features()[0]);
    }

    @Test
    void shouldReadShapeValuesAndLabelsWhenPairIsRaw() {
        Path img = images("train-images-idx3-ubyte", imagesFile(5, 4, 4));
        Path lbl = images("train-labels-idx1-ubyte", labelsFile(LABELS));

        assertValidPair(IdxReader.readImagesAndLabels(img, lbl, DIGITS), img);
    }

    @Test
    void shouldReadShapeValuesAndLabelsWhenPairIsGzippedWhateverTheName() {
        Path img = images("train-images-idx3-ubyte.gz", gzip(imagesFile(5, 4, 4)));
        Path lbl = images("labels-without-suffix", gzip(labelsFile(LABELS)));

        assertValidPair(IdxReader.readImagesAndLabels(img, lbl, DIGITS), img);
    }

    @Test
    void shouldReportOffsetsOfDataWhenReadingOneFile() {
        Path img = images("imgs", imagesFile(5, 4, 4));

        IdxReader.IdxArray array = IdxReader.read(img, 3);

        assertArrayEquals(new int[] {5, 4, 4}, array.dims());
        assertEquals(16, array.headerBytes());
        assertEquals(80, array.data().length);
    }

    @Test
    void shouldRejectWhenMagicIsBad() {
        byte[] bytes = imagesFile(5, 4, 4);
        bytes[0] = 0x12;
        bytes[1] = 0x34;
        Path img = images("bad-magic", bytes);

        assertInvalid(() -> IdxReader.read(img, 3), img, "bad magic", "0x12340803", "byte offset 0");
    }

    @Test
    void shouldRejectWhenDataTypeIsNotUnsignedByte() {
        Path img = images("floats", idx(0x0D, new int[] {5, 4, 4}, new byte[5 * 16 * 4]));

        assertInvalid(() -> IdxReader.read(img, 3), img, "data type 0x0D", "byte offset 2", "not supported");
    }

    @Test
    void shouldRejectWhenDimensionCountIsWrong() {
        Path img = images("two-dims", idx(UNSIGNED_BYTE, new int[] {5, 16}, new byte[80]));

        assertInvalid(() -> IdxReader.read(img, 3), img, "2 dimensions", "byte offset 3", "expected 3");
    }

    @Test
    void shouldRejectWhenRawDataIsTruncated() {
        byte[] whole = imagesFile(5, 4, 4);
        Path img = images("short", Arrays.copyOf(whole, whole.length - 7));

        assertInvalid(() -> IdxReader.read(img, 3), img, "truncated", "96", "89");
    }

    @Test
    void shouldRejectWhenRawHeaderIsTruncated() {
        Path img = images("header-only", Arrays.copyOf(imagesFile(5, 4, 4), 10));

        assertInvalid(() -> IdxReader.read(img, 3), img, "truncated in the header", "byte offset 8");
    }

    @Test
    void shouldRejectWhenGzippedDataIsShorterThanTheHeaderSays() {
        byte[] whole = imagesFile(5, 4, 4);
        Path img = images("short.gz", gzip(Arrays.copyOf(whole, whole.length - 7)));

        assertInvalid(() -> IdxReader.read(img, 3), img, "truncated", "byte offset 89", "80 data bytes", "73 present");
    }

    @Test
    void shouldRejectWhenGzipStreamIsCutOff() {
        byte[] compressed = gzip(imagesFile(5, 4, 4));
        Path img = images("cut.gz", Arrays.copyOf(compressed, compressed.length / 2));

        assertInvalid(() -> IdxReader.read(img, 3), img, "truncated");
    }

    @Test
    void shouldRejectAsTruncatedWhenImagesGzipIsCutInsideItsHeader() {
        Path img = images("t10k-images.gz", Arrays.copyOf(gzip(imagesFile(5, 4, 4)), 11));
        Path lbl = images("t10k-labels.gz", gzip(labelsFile(LABELS)));

        assertInvalid(() -> IdxReader.readImagesAndLabels(img, lbl, DIGITS), img, "truncated");
    }

    @Test
    void shouldRejectWhenRawFileHasTrailingBytes() {
        byte[] whole = imagesFile(5, 4, 4);
        Path img = images("long", Arrays.copyOf(whole, whole.length + 3));

        assertInvalid(() -> IdxReader.read(img, 3), img, "trailing bytes", "96", "99");
    }

    @Test
    void shouldRejectWhenGzippedFileHasTrailingBytes() {
        byte[] whole = imagesFile(5, 4, 4);
        Path img = images("long.gz", gzip(Arrays.copyOf(whole, whole.length + 3)));

        assertInvalid(() -> IdxReader.read(img, 3), img, "trailing bytes", "80 data bytes");
    }

    @Test
    void shouldRejectWhenADimensionIsZero() {
        Path img = images("zero", idx(UNSIGNED_BYTE, new int[] {5, 0, 4}, new byte[0]));

        assertInvalid(() -> IdxReader.read(img, 3), img, "dimension 1", "byte offset 8", "is 0", "must be positive");
    }

    @Test
    void shouldRejectNamingBothFilesWhenImageAndLabelCountsDiffer() {
        Path img = images("train-images-idx3-ubyte", imagesFile(5, 4, 4));
        Path lbl = images("train-labels-idx1-ubyte", labelsFile(0, 1, 2, 3));

        String message = assertInvalid(() -> IdxReader.readImagesAndLabels(img, lbl, DIGITS), img,
                "4 labels", "5 images");
        assertTrue(message.contains(lbl.getFileName().toString()), message);
    }

    @Test
    void shouldRejectNamingRecordAndOffsetWhenLabelIsOutsideTheClassRange() {
        Path img = images("images", imagesFile(5, 4, 4));
        Path lbl = images("labels", labelsFile(0, 1, 2, 3, 1));

        assertInvalid(() -> IdxReader.readImagesAndLabels(img, lbl, List.of("a", "b", "c")), lbl,
                "record 3", "byte offset 11", "label 3", "0-2");
    }

    @Test
    void shouldRejectWhenFileIsMissing() {
        Path img = images("images", imagesFile(5, 4, 4));
        Path lbl = dir.resolve("no-labels-here");

        assertInvalid(() -> IdxReader.readImagesAndLabels(img, lbl, DIGITS), lbl, "no such file");
        assertInvalid(() -> IdxReader.read(dir.resolve("gone.gz"), 3), dir.resolve("gone.gz"), "no such file");
    }

    @Test
    void shouldRejectWhenGzipDataIsCorrupt() {
        byte[] bytes = gzip(labelsFile(LABELS));
        for (int i = 10; i < bytes.length - 8; i++) {
            bytes[i] = (byte) 0xFF; // deflate block type 11 is reserved: invalid
        }
        Path lbl = images("labels.gz", bytes);

        assertInvalid(() -> IdxReader.read(lbl, 1), lbl, "corrupt gzip");
    }

    @Test
    void shouldFailAsTruncatedWithoutAllocatingTheClaimWhenSmallGzipHeaderClaimsAGigabyte() {
        byte[] bytes = gzip(idx(UNSIGNED_BYTE, new int[] {1024, 1024, 1024}, new byte[0]));
        assertTrue(bytes.length < 64, "the file is tiny: " + bytes.length + " bytes");
        Path img = images("huge-claim.gz", bytes);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(thread);

        assertInvalid(() -> IdxReader.read(img, 3), img, "truncated", "1073741824 data bytes", "0 present");

        long allocated = threads.getThreadAllocatedBytes(thread) - before;
        assertTrue(allocated < (64L << 20), "reading allocated " + allocated + " bytes for a 2^30-byte claim");
    }
}
