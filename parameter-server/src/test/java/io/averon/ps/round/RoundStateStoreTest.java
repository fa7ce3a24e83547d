package io.averon.ps.round;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static io.averon.ps.round.RoundTestSupport.closed;
import static io.averon.ps.round.RoundTestSupport.push;
import static io.averon.ps.round.RoundTestSupport.result;
import static io.averon.ps.round.RoundTestSupport.settings;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Tag("fast")
class RoundStateStoreTest {

    @TempDir
    Path directory;

    @Test
    void shouldReturnEmptyWhenNothingWasSaved() {
        assertEquals(Optional.empty(), new RoundStateStore(directory.resolve("absent")).load());
    }

    @Test
    void shouldRoundTripAndLeaveNoTempFilesWhenSaved() throws IOException {
        RoundStateStore store = new RoundStateStore(directory.resolve("ps"));
        float[] values = {1.5f, -0f, Float.MIN_VALUE, Float.MAX_VALUE, -3.25e-20f, 42f, 99f};
        store.save(7, 123_456_789L, values, 6);
        RoundStateStore.SavedState state = new RoundStateStore(directory.resolve("ps")).load().orElseThrow();
        assertEquals(7, state.round());
        assertEquals(123_456_789L, state.incarnation());
        assertArrayEquals(new float[] {1.5f, -0f, Float.MIN_VALUE, Float.MAX_VALUE, -3.25e-20f, 42f}, state.values());
        assertEquals(List.of("state.bin"), fileNames(directory.resolve("ps")));
        assertEquals(32 + 6 * 4 + 32, Files.size(store.file()));

        store.save(8, 5, new float[] {2f}, 1);
        assertEquals(8, store.load().orElseThrow().round());
        assertArrayEquals(new float[] {2f}, store.load().orElseThrow().values());
        assertEquals(List.of("state.bin"), fileNames(directory.resolve("ps")), "replaced, no temp file left");
    }

    @Test
    void shouldWriteTheDocumentedLayoutWhenSaved() throws IOException {
        RoundStateStore store = new RoundStateStore(directory);
        store.save(3, 9, new float[] {0.5f}, 1);
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(store.file())).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals("AVRS", new String(Files.readAllBytes(store.file()), 0, 4, StandardCharsets.US_ASCII));
        assertEquals(RoundStateStore.MAGIC, bytes.getInt(0));
        assertEquals(1, bytes.getInt(4));
        assertEquals(3, bytes.getLong(8));
        assertEquals(9, bytes.getLong(16));
        assertEquals(1, bytes.getLong(24));
        assertEquals(0.5f, bytes.getFloat(32));
        assertEquals(32 + 4 + 32, bytes.capacity());
    }

    @Test
    void shouldRefuseTruncatedFileNamingIt() throws IOException {
        RoundStateStore store = new RoundStateStore(directory);
        store.save(4, 1, new float[100], 100);
        try (RandomAccessFile file = new RandomAccessFile(store.file().toFile(), "rw")) {
            file.setLength(file.length() - 10);
        }
        CorruptStateException e = assertThrows(CorruptStateException.class, store::load);
        assertTrue(e.getMessage().contains(store.file().toString()), e.getMessage());
        assertTrue(e.getMessage().contains("truncated: 454 bytes, but the header declares 100 values (464 bytes)"),
                e.getMessage());
        assertFalse(e.getMessage().contains("\n"));

        try (RandomAccessFile file = new RandomAccessFile(store.file().toFile(), "rw")) {
            file.setLength(20);
        }
        e = assertThrows(CorruptStateException.class, store::load);
        assertTrue(e.getMessage().contains(store.file() + " is corrupt: truncated: 20 bytes"), e.getMessage());
    }

    @Test
    void shouldRefuseFileWithAFlippedByteNamingIt() throws IOException {
        RoundStateStore store = new RoundStateStore(directory);
        float[] values = new float[50];
        for (int i = 0; i < values.length; i++) {
            values[i] = i * 0.25f;
        }
        store.save(4, 1, values, values.length);
        byte[] original = Files.readAllBytes(store.file());
        for (int offset : new int[] {8, 16, 32 + 4 * 17 + 2, original.length - 1}) {
            byte[] altered = original.clone();
            altered[offset] ^= 0x10;
            Files.write(store.file(), altered);
            CorruptStateException e = assertThrows(CorruptStateException.class, store::load, "offset " + offset);
            assertEquals("Round state file " + store.file() + " is corrupt: checksum mismatch (SHA-256 of the"
                    + " contents differs from the stored one): the file was altered or damaged; restore it from a"
                    + " backup or delete it to start the job from scratch", e.getMessage());
        }
    }

    @Test
    void shouldRefuseForeignOrImpossibleHeaderBeforeAllocating() throws IOException {
        RoundStateStore store = new RoundStateStore(directory);
        store.save(4, 1, new float[] {1f}, 1);
        byte[] bytes = Files.readAllBytes(store.file());

        byte[] foreign = bytes.clone();
        foreign[0] = 'X';
        Files.write(store.file(), foreign);
        assertTrue(assertThrows(CorruptStateException.class, store::load).getMessage()
                .contains("not a round state file"));

        byte[] huge = bytes.clone();
        ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putLong(24, 1_000_000_000L);
        Files.write(store.file(), huge);
        String message = assertThrows(CorruptStateException.class, store::load).getMessage();
        assertTrue(message.contains("truncated: 68 bytes, but the header declares 1000000000 values"), message);

        byte[] future = bytes.clone();
        future[4] = 2;
        Files.write(store.file(), future);
        assertTrue(assertThrows(CorruptStateException.class, store::load).getMessage()
                .contains("format version 2 is not supported"));
    }

    @Test
    void shouldContinueAtSavedRoundPlusOneWithSavedGlobalWhenCoordinatorRestarts() {
        RoundStateStore store = new RoundStateStore(directory);
        long incarnation = 11;
        RoundCoordinator first = new RoundCoordinator(settings(2).build(), 2, 0, 0, null, 0, dead -> { });
        first.join(1, 0);
        first.join(2, 0);
        for (int round = 1; round <= 3; round++) {
            push(first, 1, round, 1, new float[] {round, 1f}, round);
            push(first, 2, round, 3, new float[] {round + 4f, 5f}, round);
            RoundOutcome.Closed closed = closed(first.poll(round));
            store.save(closed.round(), incarnation, closed.global(), closed.valueCount());
        }

        RoundStateStore.SavedState saved = store.load().orElseThrow();
        assertEquals(3, saved.round());
        assertArrayEquals(new float[] {6f, 4f}, saved.values());
        RoundCoordinator restarted = new RoundCoordinator(
                settings(2).outerOptimizer(new OuterOptimizer.Nesterov(0.5, 0.5)).build(), 2, 0, saved.round(),
                saved.values(), 1_000, dead -> { });
        assertEquals(4, restarted.openRound());
        assertEquals(3, restarted.join(1, 1_000));
        assertEquals(3, restarted.join(2, 1_000));

        // all samples zero: the saved global is kept as is
        push(restarted, 1, 4, 0, new float[] {0f, 0f}, 1_000);
        push(restarted, 2, 4, 0, new float[] {0f, 0f}, 1_000);
        RoundOutcome.Closed kept = closed(restarted.poll(1_000));
        assertEquals(4, kept.round());
        assertArrayEquals(new float[] {6f, 4f}, result(kept));

        // the outer step starts from the saved global: a = [8, 2]; delta = [2, -2]; v = delta;
        // g = [6, 4] + 0.5 * (delta + 0.5 * delta) = [7.5, 2.5]
        push(restarted, 1, 5, 1, new float[] {8f, 2f}, 1_001);
        push(restarted, 2, 5, 1, new float[] {8f, 2f}, 1_001);
        assertArrayEquals(new float[] {7.5f, 2.5f}, result(closed(restarted.poll(1_001))));
    }

    private static List<String> fileNames(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }
}
