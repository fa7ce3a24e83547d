package io.averon.core.data;

import io.averon.core.InvalidInputException;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import io.averon.core.io.Location;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads IDX files (the MNIST / Fashion-MNIST format), raw or gzip-compressed (detected by content,
 * not by name). Only unsigned-byte data (type {@code 0x08}) is accepted, which is what those data
 * sets use.
 *
 * <p>Checks, before any large buffer is allocated: magic (two zero bytes, type, dimension count),
 * dimensions positive and of sane total size, and for raw files the exact file length. Data is
 * then read incrementally, so a header that claims more than the file holds fails as "truncated"
 * without allocating the claimed size.
 */
public final class IdxReader {

    /** Type code of unsigned-byte IDX data. */
    static final int TYPE_UNSIGNED_BYTE = 0x08;
    private static final int MAX_DIMENSIONS = 4;

    private IdxReader() {
    }

    /**
     * One decoded IDX file.
     *
     * @param name        the file, for messages
     * @param dims        the dimensions from the header
     * @param data        the unsigned bytes, {@code product(dims)} of them
     * @param headerBytes length of the header: data byte {@code i} lives at file offset {@code headerBytes + i}
     */
    public record IdxArray(String name, int[] dims, byte[] data, int headerBytes) {
    }

    /** Reads and validates one IDX file that must have {@code expectedDims} dimensions. */
    public static IdxArray read(Path file, int expectedDims) {
        return read(Location.of(file), expectedDims);
    }

    /** As {@link #read(Path, int)}, for any location the Hadoop FileSystem API reads. */
    public static IdxArray read(Location file, int expectedDims) {
        String name = file.toString();
        long fileLength;
        boolean gzip;
        try {
            fileLength = file.length();
            try (InputStream probe = file.open()) {
                gzip = probe.read() == 0x1f && probe.read() == 0x8b;
            }
        } catch (java.io.FileNotFoundException e) {
            throw new InvalidInputException(name + ": no such file");
        } catch (IOException e) {
            throw new InvalidInputException(name + ": cannot read (" + e.getMessage() + ")");
        }
        try (InputStream raw = file.open();
             InputStream in = gzip ? new GZIPInputStream(new BufferedInputStream(raw, 1 << 16), 1 << 16)
                     : new BufferedInputStream(raw, 1 << 16)) {
            return decode(name, in, gzip ? -1 : fileLength, expectedDims);
        } catch (ZipException e) {
            throw new InvalidInputException(name + ": corrupt gzip data (" + e.getMessage() + ")");
        } catch (EOFException e) {
            throw new InvalidInputException(name + ": truncated (" + e.getMessage() + ")");
        } catch (IOException e) {
            throw new InvalidInputException(name + ": cannot read (" + e.getMessage() + ")");
        }
    }

    /**
     * Decodes IDX from a stream. {@code knownLength} is the exact byte length when known (raw
     * files), or -1 (compressed data).
     */
    static IdxArray decode(String name, InputStream in, long knownLength, int expectedDims) throws IOException {
        Header header = readHeader(name, in, knownLength, expectedDims);
        int[] dims = header.dims();
        long total = header.dataBytes();
        int headerBytes = header.headerBytes();
        byte[] values = in.readNBytes((int) total); // grows in chunks: never allocates more than was read
        if (values.length < total) {
            throw new InvalidInputException(name + ": truncated at byte offset " + (headerBytes + values.length)
                    + ": header declares " + Arrays.toString(dims) + " = " + total + " data bytes, only "
                    + values.length + " present");
        }
        if (in.read() != -1) {
            throw new InvalidInputException(name + ": trailing bytes after the " + total
                    + " data bytes the header declares " + Arrays.toString(dims));
        }
        return new IdxArray(name, dims, values, headerBytes);
    }

    private record Header(int[] dims, long dataBytes, int headerBytes) {
    }

    private static Header readHeader(String name, InputStream in, long knownLength, int expectedDims) throws IOException {
        DataInputStream data = new DataInputStream(in);
        byte[] magic = in.readNBytes(4);
        if (magic.length < 4) {
            throw new InvalidInputException(name + ": truncated in the header at byte offset " + magic.length
                    + " (an IDX header is at least 8 bytes)");
        }
        int magicValue = ((magic[0] & 0xff) << 24) | ((magic[1] & 0xff) << 16) | ((magic[2] & 0xff) << 8) | (magic[3] & 0xff);
        int expectedMagic = (TYPE_UNSIGNED_BYTE << 8) | expectedDims;
        if (magic[0] != 0 || magic[1] != 0) {
            throw new InvalidInputException(String.format("%s: bad magic 0x%08X at byte offset 0, expected 0x%08X (not an IDX file)",
                    name, magicValue, expectedMagic));
        }
        int type = magic[2] & 0xff;
        int dimCount = magic[3] & 0xff;
        if (type != TYPE_UNSIGNED_BYTE) {
            throw new InvalidInputException(String.format("%s: bad magic 0x%08X: IDX data type 0x%02X at byte offset 2 "
                    + "is not supported (only unsigned byte, 0x08; expected magic 0x%08X)", name, magicValue, type, expectedMagic));
        }
        if (dimCount != expectedDims) {
            throw new InvalidInputException(String.format("%s: bad magic 0x%08X: %d dimensions at byte offset 3, expected %d",
                    name, magicValue, dimCount, expectedDims));
        }
        if (dimCount < 1 || dimCount > MAX_DIMENSIONS) {
            throw new InvalidInputException(name + ": " + dimCount + " dimensions is outside 1.." + MAX_DIMENSIONS);
        }
        int[] dims = new int[dimCount];
        long total = 1;
        for (int i = 0; i < dimCount; i++) {
            int offset = 4 + 4 * i;
            try {
                dims[i] = data.readInt();
            } catch (EOFException e) {
                throw new InvalidInputException(name + ": truncated in the header at byte offset " + offset);
            }
            if (dims[i] <= 0) {
                throw new InvalidInputException(name + ": dimension " + i + " at byte offset " + offset
                        + " is " + dims[i] + ", must be positive");
            }
            total *= dims[i];
            if (total > Integer.MAX_VALUE - 64) {
                throw new InvalidInputException(name + ": dimensions " + Arrays.toString(Arrays.copyOf(dims, i + 1))
                        + " declare more than 2 GB of data");
            }
        }
        int headerBytes = 4 + 4 * dimCount;
        if (knownLength >= 0 && knownLength != headerBytes + total) {
            String what = knownLength < headerBytes + total ? "truncated" : "has trailing bytes";
            throw new InvalidInputException(name + ": " + what + ": header declares " + Arrays.toString(dims)
                    + " = " + total + " data bytes, so the file should be " + (headerBytes + total)
                    + " bytes long, but it is " + knownLength);
        }
        return new Header(dims, total, headerBytes);
    }

    /**
     * Reads an images file ({@code idx3}) and its labels file ({@code idx1}) into a data set of
     * {@code [1, rows, cols]} examples with raw 0..255 values. Image and label counts must agree
     * and every label must be a valid index into {@code classNames}.
     */
    public static ArrayDataSet readImagesAndLabels(Path imagesFile, Path labelsFile, List<String> classNames) {
        return readImagesAndLabels(Location.of(imagesFile), Location.of(labelsFile), classNames);
    }

    /** As {@link #readImagesAndLabels(Path, Path, List)}, for any location the Hadoop FileSystem API reads. */
    public static ArrayDataSet readImagesAndLabels(Location imagesFile, Location labelsFile, List<String> classNames) {
        // Labels first (small); the images' header is checked against them before their data is read.
        IdxArray labels = read(labelsFile, 1);
        IdxArray images = readHeaderCheckedImages(imagesFile, labels);
        int count = images.dims()[0];
        int rows = images.dims()[1];
        int cols = images.dims()[2];
        int[] classes = new int[count];
        byte[] raw = labels.data();
        for (int i = 0; i < count; i++) {
            int label = raw[i] & 0xff;
            if (label >= classNames.size()) {
                throw new InvalidInputException(labelsFile + ": record " + i + " (byte offset "
                        + (labels.headerBytes() + i) + "): label " + label + " is outside the class range 0-"
                        + (classNames.size() - 1));
            }
            classes[i] = label;
        }
        byte[] pixels = images.data();
        float[] features = new float[pixels.length];
        for (int i = 0; i < pixels.length; i++) {
            features[i] = pixels[i] & 0xff;
        }
        return new ArrayDataSet(imagesFile.toString(), new int[] {1, rows, cols}, features,
                new Labels.Classes(classes, classNames));
    }

    private static IdxArray readHeaderCheckedImages(Location imagesFile, IdxArray labels) {
        int imageCount = readDims(imagesFile, 3)[0];
        int labelCount = labels.dims()[0];
        if (imageCount != labelCount) {
            throw new InvalidInputException(labels.name() + " holds " + labelCount + " labels but "
                    + imagesFile + " holds " + imageCount + " images: counts must match");
        }
        return read(imagesFile, 3);
    }

    /** Only the header's dimensions (validated), without reading the data. */
    static int[] readDims(Location file, int expectedDims) {
        String name = file.toString();
        try (InputStream raw = new BufferedInputStream(file.open())) {
            raw.mark(2);
            boolean gzip = raw.read() == 0x1f && raw.read() == 0x8b;
            raw.reset();
            InputStream in = gzip ? new GZIPInputStream(raw) : raw;
            return readHeader(name, in, -1, expectedDims).dims();
        } catch (java.io.FileNotFoundException e) {
            throw new InvalidInputException(name + ": no such file");
        } catch (ZipException e) {
            throw new InvalidInputException(name + ": corrupt gzip data (" + e.getMessage() + ")");
        } catch (EOFException e) {
            throw new InvalidInputException(name + ": truncated in the header (" + e.getMessage() + ")");
        } catch (IOException e) {
            throw new InvalidInputException(name + ": cannot read (" + e.getMessage() + ")");
        }
    }
}
