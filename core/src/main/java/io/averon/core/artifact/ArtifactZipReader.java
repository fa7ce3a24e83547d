package io.averon.core.artifact;

import io.averon.core.InvalidInputException;

import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;

/**
 * Reads the entries of a model zip with bounded sizes. {@code manifest.json} must come first, so
 * the parameter entries' size limit derives from the manifest's parameter count, not from
 * anything the zip claims.
 */
final class ArtifactZipReader {

    private static final List<String> ORDER = List.of(ModelArtifact.MANIFEST, ModelArtifact.MANIFEST_SHA,
            ModelArtifact.CONFIGURATION, ModelArtifact.PARAMETERS, ModelArtifact.UPDATER);

    private ArtifactZipReader() {
    }

    static Map<String, byte[]> readEntries(InputStream in, String name) {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        long parameterCount = 0;
        TailKeepingInputStream counted = new TailKeepingInputStream(in);
        try (ZipInputStream zip = new ZipInputStream(counted, StandardCharsets.UTF_8)) {
            ZipEntry entry;
            while ((entry = zip.getNextEntry()) != null) {
                String entryName = entry.getName();
                if (!ORDER.contains(entryName)) {
                    throw new InvalidInputException(name + ": unexpected entry '" + entryName
                            + "' (a model zip holds only " + ORDER + ")");
                }
                if (entries.containsKey(entryName)) {
                    throw new InvalidInputException(name + ": duplicate entry '" + entryName + "'");
                }
                if (entries.isEmpty() && !entryName.equals(ModelArtifact.MANIFEST)) {
                    throw new InvalidInputException(name + ": first entry is '" + entryName + "', expected "
                            + ModelArtifact.MANIFEST);
                }
                byte[] bytes = ModelArtifact.readBounded(zip, ModelArtifact.maxBytes(entryName, parameterCount),
                        name + "!" + entryName);
                entries.put(entryName, bytes);
                if (entryName.equals(ModelArtifact.MANIFEST)) {
                    parameterCount = parameterCountFrom(bytes, name);
                }
            }
            counted.drain(); // the central directory and its end record, for checkEnd
        } catch (ZipException e) {
            throw ModelArtifact.corrupt(name, e);
        } catch (EOFException e) {
            throw new InvalidInputException(name + ": not a valid model zip (unexpected end of file; truncated?)");
        } catch (IOException e) {
            throw new InvalidInputException(name + ": cannot read (" + e.getMessage() + ")");
        }
        for (String required : List.of(ModelArtifact.MANIFEST, ModelArtifact.MANIFEST_SHA,
                ModelArtifact.CONFIGURATION, ModelArtifact.PARAMETERS)) {
            if (!entries.containsKey(required)) {
                throw new InvalidInputException(name + ": missing entry " + required
                        + (entries.isEmpty() ? " (not a model zip, or empty)" : " (truncated?)"));
            }
        }
        checkEnd(name, counted.tail(), counted.count(), entries.size());
        return entries;
    }

    /**
     * ZipInputStream reads the local entries only and stops at the central directory, so a file
     * cut anywhere after the last entry's data would read fine. The end-of-central-directory record
     * must therefore end the file, list as many entries as were read, and follow the central
     * directory it describes.
     */
    private static void checkEnd(String name, byte[] tail, long total, int entryCount) {
        for (int p = tail.length - END_RECORD_BYTES; p >= 0; p--) {
            if (u32(tail, p) == END_SIGNATURE && p + END_RECORD_BYTES + u16(tail, p + 20) == tail.length) {
                long endOffset = total - (tail.length - p);
                int listed = u16(tail, p + 10);
                long directorySize = u32(tail, p + 12);
                long directoryOffset = u32(tail, p + 16);
                boolean zip64 = listed == 0xFFFF || directorySize == 0xFFFFFFFFL || directoryOffset == 0xFFFFFFFFL;
                if (!zip64 && (listed != entryCount || directoryOffset + directorySize != endOffset)) {
                    throw new InvalidInputException(name + ": not a valid model zip (the central directory lists "
                            + listed + " entries, " + entryCount + " were read; truncated or corrupt?)");
                }
                return;
            }
        }
        throw new InvalidInputException(name + ": not a valid model zip (no end-of-central-directory record at "
                + "the end of its " + total + " bytes; truncated?)");
    }

    private static final long END_SIGNATURE = 0x06054b50L;
    private static final int END_RECORD_BYTES = 22;

    private static int u16(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8;
    }

    private static long u32(byte[] b, int at) {
        return (u16(b, at) | (long) u16(b, at + 2) << 16) & 0xFFFFFFFFL;
    }

    /** Passes bytes through, counting them and keeping the last ones (room for the end record and a maximal comment). */
    private static final class TailKeepingInputStream extends FilterInputStream {
        private static final int TAIL = END_RECORD_BYTES + 0xFFFF;
        private final byte[] ring = new byte[TAIL];
        private long count;

        TailKeepingInputStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                ring[(int) (count % TAIL)] = (byte) b;
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            for (int done = 0; done < n; ) {
                int pos = (int) (count % TAIL);
                int k = Math.min(n - done, TAIL - pos);
                System.arraycopy(b, off + done, ring, pos, k);
                done += k;
                count += k;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            byte[] buffer = new byte[8192];
            long skipped = 0;
            int r;
            while (skipped < n && (r = read(buffer, 0, (int) Math.min(buffer.length, n - skipped))) > 0) {
                skipped += r;
            }
            return skipped;
        }

        @Override
        public boolean markSupported() {
            return false;
        }

        void drain() throws IOException {
            byte[] buffer = new byte[8192];
            while (read(buffer, 0, buffer.length) >= 0) {
                // keep counting
            }
        }

        long count() {
            return count;
        }

        /** The last {@code min(count, TAIL)} bytes, in order. */
        byte[] tail() {
            int length = (int) Math.min(count, TAIL);
            byte[] out = new byte[length];
            int start = (int) ((count - length) % TAIL);
            int first = Math.min(length, TAIL - start);
            System.arraycopy(ring, start, out, 0, first);
            System.arraycopy(ring, 0, out, first, length - first);
            return out;
        }
    }

    private static long parameterCountFrom(byte[] manifestBytes, String name) {
        try {
            long count = ModelArtifact.JSON.readTree(manifestBytes).path("parameter_count").asLong(-1);
            if (count < 0 || count > (Integer.MAX_VALUE - 64) / Float.BYTES) {
                throw new InvalidInputException(name + ": manifest parameter_count " + count + " is out of range");
            }
            return count;
        } catch (IOException e) {
            throw new InvalidInputException(name + ": unreadable " + ModelArtifact.MANIFEST);
        }
    }
}
