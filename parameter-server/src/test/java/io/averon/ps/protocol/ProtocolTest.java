package io.averon.ps.protocol;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The checks of PROTOCOL.md on hand-built messages: each bad message is refused for the right reason. */
@Tag("fast")
class ProtocolTest {

    private static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final long JOB = 42L;
    private static final int PARAMS = 1000;
    private static final long MAX_BYTES = PARAMS * 4L;

    private final MessageAuthenticator auth = new MessageAuthenticator(SECRET);
    private static final int CHUNK = 1024;
    /** Chunks of a full vector: the only count a receiver accepts for its total. */
    private static final int COUNT = 4;
    private final MessageValidator server = new MessageValidator(auth, JOB, MAX_BYTES, CHUNK, 8, true);

    /** A signed PUSH chunk of {@code floats} values (all equal to {@code value}). */
    private static UnsafeBuffer push(MessageAuthenticator signer, long job, int worker, long sequence, int chunkIndex,
                                     int chunkCount, long total, float value) {
        long offset = Chunking.chunkOffset(total, chunkCount, chunkIndex);
        int length = Chunking.chunkLength(total, chunkCount, chunkIndex);
        UnsafeBuffer b = new UnsafeBuffer(ByteBuffer.allocateDirect(MessageHeader.OVERHEAD + length));
        MessageHeader.write(b, 0, new MessageHeader.Fields(MessageType.PUSH, 0, job, 7, 1, worker, 0, 5, sequence, 10),
                chunkIndex, chunkCount, total, offset, length);
        for (int i = 0; i < length; i += 4) {
            b.putFloat(MessageHeader.LENGTH + i, value, ByteOrder.LITTLE_ENDIAN);
        }
        signer.sign(b, 0, MessageHeader.LENGTH + length);
        return b;
    }

    @Test
    void shouldAcceptAWellFormedSignedPush() {
        UnsafeBuffer b = push(auth, JOB, 3, 1, 0, COUNT, MAX_BYTES, 1.5f);
        assertNull(server.validate(b, 0, b.capacity()));
        assertEquals(MessageType.PUSH, MessageHeader.type(b, 0));
        assertEquals(3, MessageHeader.workerId(b, 0));
        assertEquals(10, MessageHeader.sampleCount(b, 0));
    }

    @Test
    void shouldRefuseForgedMessageWhenSignedWithAnotherKey() {
        MessageAuthenticator forger = new MessageAuthenticator("ffffffffffffffffffffffffffffffff".getBytes(StandardCharsets.US_ASCII));
        UnsafeBuffer b = push(forger, JOB, 3, 1, 0, COUNT, MAX_BYTES, 1f);
        assertEquals(Refusal.BAD_MAC, server.validate(b, 0, b.capacity()));
    }

    @Test
    void shouldRefuseAlteredPayloadWhenTheMacNoLongerMatches() {
        UnsafeBuffer b = push(auth, JOB, 3, 1, 0, COUNT, MAX_BYTES, 1f);
        b.putFloat(MessageHeader.LENGTH + 8, 99f, ByteOrder.LITTLE_ENDIAN);
        assertEquals(Refusal.BAD_MAC, server.validate(b, 0, b.capacity()));
    }

    @Test
    void shouldRefuseAnotherJobsMessage() {
        UnsafeBuffer b = push(auth, JOB + 1, 3, 1, 0, COUNT, MAX_BYTES, 1f);
        assertEquals(Refusal.WRONG_JOB, server.validate(b, 0, b.capacity()));
    }

    @Test
    void shouldRefuseOversizedTotalBeforeCheckingTheMac() {
        UnsafeBuffer b = push(auth, JOB, 3, 1, 0, 4, MAX_BYTES + 4, 1f);
        assertEquals(Refusal.BAD_LENGTH, server.validate(b, 0, b.capacity()));
    }

    @Test
    void shouldRefuseNegativeAndInconsistentLengths() {
        UnsafeBuffer b = push(auth, JOB, 3, 1, 0, COUNT, MAX_BYTES, 1f);
        b.putInt(MessageHeader.PAYLOAD_LENGTH_OFFSET, -4, ByteOrder.LITTLE_ENDIAN);
        assertEquals(Refusal.BAD_LENGTH, server.validate(b, 0, b.capacity()));

        UnsafeBuffer c = push(auth, JOB, 3, 1, 0, COUNT, MAX_BYTES, 1f);
        assertEquals(Refusal.BAD_LENGTH, server.validate(c, 0, c.capacity() - 4), "payload length != message size");

        UnsafeBuffer d = push(auth, JOB, 3, 1, 0, COUNT, MAX_BYTES, 1f);
        d.putLong(MessageHeader.TOTAL_LENGTH_OFFSET, -MAX_BYTES, ByteOrder.LITTLE_ENDIAN);
        assertEquals(Refusal.BAD_LENGTH, server.validate(d, 0, d.capacity()));
    }

    @Test
    void shouldRefuseChunkIndexAtOrBeyondCount() {
        UnsafeBuffer b = push(auth, JOB, 3, 1, 1, COUNT, MAX_BYTES, 1f);
        b.putInt(MessageHeader.CHUNK_INDEX_OFFSET, COUNT, ByteOrder.LITTLE_ENDIAN);
        assertEquals(Refusal.BAD_LENGTH, server.validate(b, 0, b.capacity()));
    }

    @Test
    void shouldRefuseAChunkCountTheSenderChoseWhenItIsNotWhatTheTotalAndTheAgreedChunkGive() {
        // a bitmap of 2^31-1 chunks for a payload-less push was the attack: the count must follow from the total
        UnsafeBuffer huge = push(auth, JOB, 3, 1, 0, 1, 4, 1f);
        huge.putInt(MessageHeader.CHUNK_COUNT_OFFSET, Integer.MAX_VALUE, ByteOrder.LITTLE_ENDIAN);
        auth.sign(huge, 0, huge.capacity() - MessageHeader.MAC_LENGTH);
        assertEquals(Refusal.BAD_LENGTH, server.validate(huge, 0, huge.capacity()));
        UnsafeBuffer finer = push(auth, JOB, 3, 1, 0, 8, MAX_BYTES, 1f); // valid cuts, but smaller than agreed
        assertEquals(Refusal.BAD_LENGTH, server.validate(finer, 0, finer.capacity()));
    }

    @Test
    void shouldRefuseWorkerIdsAtOrAboveTheExpectedWorkerCount() {
        UnsafeBuffer b = push(auth, JOB, 8, 1, 0, COUNT, MAX_BYTES, 1f);
        assertEquals(Refusal.BAD_WORKER_ID, server.validate(b, 0, b.capacity()));
        UnsafeBuffer c = push(auth, JOB, 7, 1, 0, COUNT, MAX_BYTES, 1f);
        assertNull(server.validate(c, 0, c.capacity()));
    }

    @Test
    void shouldRefuseChunkAtTheWrongOffset() {
        UnsafeBuffer b = push(auth, JOB, 3, 1, 1, COUNT, MAX_BYTES, 1f);
        b.putLong(MessageHeader.CHUNK_OFFSET_OFFSET, 4, ByteOrder.LITTLE_ENDIAN);
        assertEquals(Refusal.BAD_LENGTH, server.validate(b, 0, b.capacity()));
    }

    @Test
    void shouldRefuseRandomBytesAndShortMessages() {
        Random random = new Random(1);
        for (int i = 0; i < 1000; i++) {
            byte[] noise = new byte[random.nextInt(400)];
            random.nextBytes(noise);
            UnsafeBuffer b = new UnsafeBuffer(noise);
            Refusal r = server.validate(b, 0, noise.length);
            assertTrue(r != null, "random bytes accepted");
        }
        assertEquals(Refusal.TOO_SHORT, server.validate(new UnsafeBuffer(new byte[100]), 0, 100));
    }

    @Test
    void shouldRefuseServerTypesOnTheServerSide() {
        UnsafeBuffer b = push(auth, JOB, 3, 1, 0, COUNT, MAX_BYTES, 1f);
        b.putByte(MessageHeader.TYPE_OFFSET, (byte) MessageType.AVERAGED.code());
        assertEquals(Refusal.BAD_TYPE, server.validate(b, 0, b.capacity()));
    }

    @Test
    void shouldRefuseReplayedSequencesAndOldAttempts() {
        ReplayWindow window = new ReplayWindow(10);
        assertTrue(window.accept(3, 0, 1));
        assertTrue(window.accept(3, 0, 2));
        assertFalse(window.accept(3, 0, 2), "same sequence again");
        assertFalse(window.accept(3, 0, 1), "older sequence");
        assertTrue(window.accept(3, 1, 1), "a new attempt starts its own sequence");
        assertFalse(window.accept(3, 0, 99), "an older attempt is never fresh");
        assertTrue(window.accept(4, 0, 1), "windows are per sender");
    }

    @Test
    void shouldReassembleChunksInAnyOrderIntoThePreallocatedBuffer() {
        long total = MAX_BYTES;
        int count = Chunking.chunkCount(total, CHUNK);
        assertEquals(COUNT, count);
        float[] destination = new float[PARAMS];
        ChunkAssembler assembler = new ChunkAssembler(destination);
        int[] order = {2, 0, 3, 1};
        for (int k = 0; k < order.length; k++) {
            UnsafeBuffer b = push(auth, JOB, 3, k + 1, order[k], count, total, order[k] + 0.5f);
            assertNull(server.validate(b, 0, b.capacity()));
            ChunkAssembler.Outcome outcome = assembler.onChunk(b, 0);
            assertEquals(k == order.length - 1 ? ChunkAssembler.Outcome.COMPLETE : ChunkAssembler.Outcome.PARTIAL, outcome);
            if (k == 0) {
                assertEquals(ChunkAssembler.Outcome.DUPLICATE, assembler.onChunk(b, 0));
            }
        }
        float[] expected = new float[PARAMS];
        for (int i = 0; i < count; i++) {
            int from = (int) (Chunking.chunkOffset(total, count, i) / 4);
            int to = from + Chunking.chunkLength(total, count, i) / 4;
            Arrays.fill(expected, from, to, i + 0.5f);
        }
        assertArrayEquals(expected, destination);
    }

    @Test
    void shouldCutPayloadsIntoContiguousFloatAlignedChunks() {
        for (long total : new long[] {4, 40, 4000, 4_000_004, 400_000_000L}) {
            for (int max : new int[] {4, 1000, 1 << 20, 2 << 20}) {
                int count = Chunking.chunkCount(total, max);
                long covered = 0;
                for (int i = 0; i < count; i++) {
                    assertEquals(covered, Chunking.chunkOffset(total, count, i));
                    int length = Chunking.chunkLength(total, count, i);
                    assertTrue(length <= max && length % 4 == 0, "chunk " + i + " of " + total + "/" + max);
                    covered += length;
                }
                assertEquals(total, covered);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> Chunking.chunkCount(100, 3));
    }

    @Test
    void shouldKeepTheRefusalCodesThatProtocolMdLists() {
        // the wire codes of REFUSED (PROTOCOL.md, "Refusals"): new reasons go at the end of the enum
        assertEquals(6, Refusal.BAD_LENGTH.code());
        assertEquals(11, Refusal.WRONG_ROUND.code());
        assertEquals(13, Refusal.NOT_FINITE.code());
        assertEquals(15, Refusal.MODEL_MISMATCH.code());
        assertEquals(16, Refusal.NOT_JOINED.code());
        assertEquals(19, Refusal.CHUNK_MISMATCH.code());
        assertEquals(20, Refusal.OUT_OF_BOUNDS.code());
        assertEquals(21, Refusal.BUSY.code());
        assertEquals(22, Refusal.ROUND_FAILED.code());
        for (Refusal r : Refusal.values()) {
            assertEquals(r, Refusal.ofCode(r.code()));
        }
        assertNull(Refusal.ofCode(0));
        assertNull(Refusal.ofCode(Refusal.values().length + 1));
    }

    @Test
    void shouldRefuseShortSecrets() {
        assertThrows(IllegalArgumentException.class, () -> new MessageAuthenticator(new byte[16]));
    }
}
