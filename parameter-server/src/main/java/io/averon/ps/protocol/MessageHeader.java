package io.averon.ps.protocol;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * Offsets and accessors of the fixed 96-byte header (PROTOCOL.md). Static methods over Agrona
 * buffers: no objects per message.
 */
public final class MessageHeader {

    /** "AVPS" read as a little-endian int. */
    public static final int MAGIC = 0x53505641;
    public static final short VERSION = 5;
    public static final int LENGTH = 96;
    public static final int MAC_LENGTH = 32;
    /** Header plus MAC: the size of a message with an empty payload. */
    public static final int OVERHEAD = LENGTH + MAC_LENGTH;
    /** Worker id the server uses for its own messages. */
    public static final int SERVER_ID = 0x7FFFFFFF;
    /** Largest worker id a worker may use (a server also refuses ids at or above its expected worker count). */
    public static final int MAX_WORKER_ID = 65_535;
    /** The session of messages that belong to no join session (a broadcast AVERAGED, a round failure, reports). */
    public static final long NO_SESSION = 0;

    public static final int FLAG_DELTA = 1;
    public static final int FLAG_UPDATER_STATE = 2;
    /** JOIN: send me the last closed round's global vector; JOIN_ACK: it follows as an AVERAGED. */
    public static final int FLAG_GLOBAL = 4;
    /** HELLO: only checking that the server answers (a preflight); it keeps no state for it. */
    public static final int FLAG_PROBE = 8;
    /** JOIN: the worker's training run resumes from the server's rounds even if the server served another run. */
    public static final int FLAG_RESUME = 16;
    /** PUSH of a delta: values travel as bfloat16 ({@link Encoding#BF16}). */
    public static final int FLAG_BF16 = 32;
    /** PUSH of a delta: values travel as int8 with a per-chunk scale ({@link Encoding#INT8}). */
    public static final int FLAG_INT8 = 64;

    static final int MAGIC_OFFSET = 0;
    static final int VERSION_OFFSET = 4;
    static final int TYPE_OFFSET = 6;
    static final int FLAGS_OFFSET = 7;
    static final int JOB_OFFSET = 8;
    static final int INCARNATION_OFFSET = 16;
    static final int ROUND_OFFSET = 24;
    static final int WORKER_OFFSET = 32;
    static final int ATTEMPT_OFFSET = 36;
    static final int SEQUENCE_OFFSET = 40;
    static final int CHUNK_INDEX_OFFSET = 48;
    static final int CHUNK_COUNT_OFFSET = 52;
    static final int TOTAL_LENGTH_OFFSET = 56;
    static final int CHUNK_OFFSET_OFFSET = 64;
    static final int SAMPLES_OFFSET = 72;
    static final int PAYLOAD_LENGTH_OFFSET = 80;
    static final int SESSION_OFFSET = 84;
    static final int RESERVED_OFFSET = 92;

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private MessageHeader() {
    }

    /** The header fields a sender sets; chunk fields and payload length are set per chunk. */
    public record Fields(MessageType type, int flags, long jobId, long incarnation, long round, int workerId,
                         int attempt, long session, long sequence, long sampleCount) {
    }

    /** Writes a complete header at {@code offset}. */
    public static void write(MutableDirectBuffer b, int offset, Fields f, int chunkIndex, int chunkCount,
                             long totalLength, long chunkOffset, int payloadLength) {
        write(b, offset, f.type(), f.flags(), f.jobId(), f.incarnation(), f.round(), f.workerId(), f.attempt(),
                f.session(), f.sequence(), f.sampleCount(), chunkIndex, chunkCount, totalLength, chunkOffset,
                payloadLength);
    }

    /** Writes a complete header at {@code offset}, field by field (the senders' allocation-free path). */
    public static void write(MutableDirectBuffer b, int offset, MessageType type, int flags, long jobId,
                             long incarnation, long round, int workerId, int attempt, long session, long sequence,
                             long sampleCount, int chunkIndex, int chunkCount, long totalLength, long chunkOffset,
                             int payloadLength) {
        b.putInt(offset + MAGIC_OFFSET, MAGIC, LE);
        b.putShort(offset + VERSION_OFFSET, VERSION, LE);
        b.putByte(offset + TYPE_OFFSET, (byte) type.code());
        b.putByte(offset + FLAGS_OFFSET, (byte) flags);
        b.putLong(offset + JOB_OFFSET, jobId, LE);
        b.putLong(offset + INCARNATION_OFFSET, incarnation, LE);
        b.putLong(offset + ROUND_OFFSET, round, LE);
        b.putInt(offset + WORKER_OFFSET, workerId, LE);
        b.putInt(offset + ATTEMPT_OFFSET, attempt, LE);
        b.putLong(offset + SEQUENCE_OFFSET, sequence, LE);
        b.putInt(offset + CHUNK_INDEX_OFFSET, chunkIndex, LE);
        b.putInt(offset + CHUNK_COUNT_OFFSET, chunkCount, LE);
        b.putLong(offset + TOTAL_LENGTH_OFFSET, totalLength, LE);
        b.putLong(offset + CHUNK_OFFSET_OFFSET, chunkOffset, LE);
        b.putLong(offset + SAMPLES_OFFSET, sampleCount, LE);
        b.putInt(offset + PAYLOAD_LENGTH_OFFSET, payloadLength, LE);
        b.putLong(offset + SESSION_OFFSET, session, LE);
        b.setMemory(offset + RESERVED_OFFSET, LENGTH - RESERVED_OFFSET, (byte) 0);
    }

    /**
     * Writes a complete single-chunk message of {@code payload[0 .. length)} at offset 0 of
     * {@code b} and signs it; returns its length (header + payload + MAC).
     */
    public static int writeSigned(MutableDirectBuffer b, MessageAuthenticator authenticator, MessageType type, int flags,
                                  long jobId, long incarnation, long round, int workerId, int attempt, long session,
                                  long sequence, byte[] payload, int length) {
        write(b, 0, type, flags, jobId, incarnation, round, workerId, attempt, session, sequence, 0, 0, 1, length, 0,
                length);
        if (length > 0) {
            b.putBytes(LENGTH, payload, 0, length);
        }
        authenticator.sign(b, 0, LENGTH + length);
        return OVERHEAD + length;
    }

    public static int magic(DirectBuffer b, int o) {
        return b.getInt(o + MAGIC_OFFSET, LE);
    }

    public static int version(DirectBuffer b, int o) {
        return b.getShort(o + VERSION_OFFSET, LE);
    }

    /** The type, or null for an unknown code. */
    public static MessageType type(DirectBuffer b, int o) {
        return MessageType.ofCode(b.getByte(o + TYPE_OFFSET) & 0xff);
    }

    public static int flags(DirectBuffer b, int o) {
        return b.getByte(o + FLAGS_OFFSET) & 0xff;
    }

    public static long jobId(DirectBuffer b, int o) {
        return b.getLong(o + JOB_OFFSET, LE);
    }

    public static long incarnation(DirectBuffer b, int o) {
        return b.getLong(o + INCARNATION_OFFSET, LE);
    }

    public static long round(DirectBuffer b, int o) {
        return b.getLong(o + ROUND_OFFSET, LE);
    }

    public static int workerId(DirectBuffer b, int o) {
        return b.getInt(o + WORKER_OFFSET, LE);
    }

    public static int attempt(DirectBuffer b, int o) {
        return b.getInt(o + ATTEMPT_OFFSET, LE);
    }

    /** The join session: a worker's random id for one join, echoed by the server's answers to that join. */
    public static long session(DirectBuffer b, int o) {
        return b.getLong(o + SESSION_OFFSET, LE);
    }

    public static long sequence(DirectBuffer b, int o) {
        return b.getLong(o + SEQUENCE_OFFSET, LE);
    }

    public static int chunkIndex(DirectBuffer b, int o) {
        return b.getInt(o + CHUNK_INDEX_OFFSET, LE);
    }

    public static int chunkCount(DirectBuffer b, int o) {
        return b.getInt(o + CHUNK_COUNT_OFFSET, LE);
    }

    public static long totalLength(DirectBuffer b, int o) {
        return b.getLong(o + TOTAL_LENGTH_OFFSET, LE);
    }

    public static long chunkOffset(DirectBuffer b, int o) {
        return b.getLong(o + CHUNK_OFFSET_OFFSET, LE);
    }

    public static long sampleCount(DirectBuffer b, int o) {
        return b.getLong(o + SAMPLES_OFFSET, LE);
    }

    public static int payloadLength(DirectBuffer b, int o) {
        return b.getInt(o + PAYLOAD_LENGTH_OFFSET, LE);
    }
}
