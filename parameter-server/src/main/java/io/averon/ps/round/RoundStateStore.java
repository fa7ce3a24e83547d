package io.averon.ps.round;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;

/**
 * Persists the server's state after each closed round, so a restarted server continues at the saved
 * round + 1 with the saved global vector. One file, {@value #FILE_NAME}, in a directory of its own.
 *
 * <p><b>Atomicity:</b> {@link #save} writes a temporary file in the same directory, forces it to
 * disk, renames it over {@value #FILE_NAME} with {@code ATOMIC_MOVE} and forces the directory: a
 * reader sees the previous state or the new one, never a mix. A crash during a save can leave a
 * {@code state-*.tmp} file behind; {@link #load} ignores it.
 *
 * <p><b>Format, version 1</b> (all integers and floats little-endian):
 * <pre>
 * offset      size  field
 *      0         4  magic               "AVRS" (0x53525641 read as a little-endian int32)
 *      4         4  version             int32, 1
 *      8         8  last closed round   int64
 *     16         8  incarnation         int64, the server incarnation that wrote it
 *     24         8  value count         int64, n
 *     32     4 * n  values              float32
 * 32 + 4n       32  checksum            SHA-256 of bytes [0, 32 + 4n)
 * </pre>
 * {@link #load} checks the length against the header before allocating, then the checksum; a
 * truncated, altered or foreign file throws {@link CorruptStateException} naming the file and the
 * problem: it never silently starts from scratch.
 *
 * <p>Not thread-safe: one thread saves and loads.
 */
public final class RoundStateStore {

    /** The state file's name inside the directory. */
    public static final String FILE_NAME = "state.bin";
    /** "AVRS" read as a little-endian int. */
    public static final int MAGIC = 0x53525641;
    public static final int VERSION = 1;

    private static final int HEADER_BYTES = 32;
    private static final int CHECKSUM_BYTES = 32;
    private static final int BLOCK_BYTES = 64 * 1024;
    private static final long MAX_VALUES = (Integer.MAX_VALUE - 8);

    /** A saved state: the last closed round, the incarnation that saved it, and the global vector. */
    public record SavedState(long round, long incarnation, float[] values) {
    }

    private final Path directory;
    private final Path file;
    private final ByteBuffer block = ByteBuffer.allocate(BLOCK_BYTES).order(ByteOrder.LITTLE_ENDIAN);

    /** @param directory where {@value #FILE_NAME} lives; created on the first save if missing */
    public RoundStateStore(Path directory) {
        if (directory == null) {
            throw new IllegalArgumentException("directory must not be null");
        }
        this.directory = directory;
        this.file = directory.resolve(FILE_NAME);
    }

    /** The state file, whether it exists or not. */
    public Path file() {
        return file;
    }

    /**
     * Atomically replaces the saved state with round {@code round} and the first {@code valueCount}
     * of {@code values}.
     *
     * @throws UncheckedIOException if the directory or file cannot be written; the previous state
     *                              is then intact
     */
    public void save(long round, long incarnation, float[] values, int valueCount) {
        if (round < 0) {
            throw new IllegalArgumentException("round must be >= 0, got " + round);
        }
        if (values == null || valueCount < 0 || valueCount > values.length) {
            throw new IllegalArgumentException("valueCount must be within 0 .. values.length ("
                    + (values == null ? "values is null" : values.length) + "), got " + valueCount);
        }
        Path temp = null;
        try {
            Files.createDirectories(directory);
            temp = Files.createTempFile(directory, "state-", ".tmp");
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                MessageDigest digest = sha256();
                block.clear();
                block.putInt(MAGIC).putInt(VERSION).putLong(round).putLong(incarnation).putLong(valueCount);
                for (int i = 0; i < valueCount; i++) {
                    if (block.remaining() < Float.BYTES) {
                        writeBlock(channel, digest);
                    }
                    block.putFloat(values[i]);
                }
                writeBlock(channel, digest);
                writeFully(channel, ByteBuffer.wrap(digest.digest()));
                channel.force(true);
            }
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
            temp = null;
            forceDirectory();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not save round state to " + file + ": " + e, e);
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // the save already failed; a stray temp file is ignored by load
                }
            }
        }
    }

    /**
     * The saved state, or empty if there is no {@value #FILE_NAME}.
     *
     * @throws CorruptStateException if the file is truncated, altered or not a state file
     * @throws UncheckedIOException  if it cannot be read
     */
    public Optional<SavedState> load() {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size < HEADER_BYTES + CHECKSUM_BYTES) {
                throw corrupt("truncated: " + size + " bytes, shorter than the " + (HEADER_BYTES + CHECKSUM_BYTES)
                        + "-byte header and checksum");
            }
            MessageDigest digest = sha256();
            block.clear().limit(HEADER_BYTES);
            readFully(channel, block);
            block.flip();
            digest.update(block.array(), 0, HEADER_BYTES);
            int magic = block.getInt();
            int version = block.getInt();
            long round = block.getLong();
            long incarnation = block.getLong();
            long count = block.getLong();
            if (magic != MAGIC) {
                throw corrupt(String.format("not a round state file (magic 0x%08X, expected 0x%08X \"AVRS\")",
                        magic, MAGIC));
            }
            if (version != VERSION) {
                throw corrupt("format version " + version + " is not supported (this code reads version "
                        + VERSION + ")");
            }
            if (count < 0 || count > MAX_VALUES) {
                throw corrupt("the header declares an impossible value count " + count);
            }
            long expectedSize = HEADER_BYTES + Float.BYTES * count + CHECKSUM_BYTES;
            if (size != expectedSize) {
                throw corrupt((size < expectedSize ? "truncated: " : "trailing bytes: ") + size + " bytes, but the"
                        + " header declares " + count + " values (" + expectedSize + " bytes)");
            }
            float[] values = new float[(int) count];
            int next = 0;
            while (next < values.length) {
                int floats = Math.min(values.length - next, BLOCK_BYTES / Float.BYTES);
                block.clear().limit(floats * Float.BYTES);
                readFully(channel, block);
                digest.update(block.array(), 0, floats * Float.BYTES);
                block.flip();
                block.asFloatBuffer().get(values, next, floats);
                next += floats;
            }
            ByteBuffer stored = ByteBuffer.allocate(CHECKSUM_BYTES);
            readFully(channel, stored);
            if (!MessageDigest.isEqual(stored.array(), digest.digest())) {
                throw corrupt("checksum mismatch (SHA-256 of the contents differs from the stored one): the file"
                        + " was altered or damaged");
            }
            if (round < 0) {
                throw corrupt("negative round " + round);
            }
            return Optional.of(new SavedState(round, incarnation, values));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read round state " + file + ": " + e, e);
        }
    }

    private CorruptStateException corrupt(String problem) {
        return new CorruptStateException("Round state file " + file + " is corrupt: " + problem
                + "; restore it from a backup or delete it to start the job from scratch");
    }

    private void writeBlock(FileChannel channel, MessageDigest digest) throws IOException {
        block.flip();
        digest.update(block.array(), 0, block.limit());
        writeFully(channel, block);
        block.clear();
    }

    private static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    private void readFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            if (channel.read(buffer) < 0) {
                throw corrupt("truncated while reading (the file shrank during the load)");
            }
        }
    }

    /** Makes the rename durable; not every platform can open a directory, which is then skipped. */
    private void forceDirectory() {
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException e) {
            // Windows cannot open a directory as a channel; the rename is still atomic there
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
