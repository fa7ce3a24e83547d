package io.averon.ps.protocol;

import org.agrona.DirectBuffer;

/**
 * The checks of PROTOCOL.md that need no session state, in order, on a received message: header
 * size (and magic, version, type), length sanity against the registered model size and the agreed
 * chunk size, the sender's id, the MAC, then the job id. Session, round and replay checks need the
 * receiver's state and follow in the caller. Nothing is copied or allocated here.
 */
public final class MessageValidator {

    /**
     * Payload of a HELLO before the endpoint: Aeron session id (int32), reserved (14 bytes, zero),
     * endpoint length (int16). A HELLO is never shorter than the CHALLENGE that answers it.
     */
    public static final int HELLO_FIXED_PAYLOAD = 4 + 14 + 2;
    /** Longest receive endpoint ({@code host:port}, UTF-8) a HELLO may carry. */
    public static final int MAX_ENDPOINT = 255;
    /**
     * Payload of a CHALLENGE before its padding: the server's nonce (int64), the Aeron session id of
     * its publication (int32), the server's MTU (int32), the bytes of the join session's HELLO the
     * server received (int32).
     */
    public static final int CHALLENGE_PAYLOAD = 8 + 4 + 4 + 4;
    /**
     * Aeron's data frame header: a handshake datagram may be as long as the MTU, which is this plus
     * the longest message of one frame (the chunk, the header, the MAC).
     */
    public static final int FRAME_HEADER = 32;
    /**
     * Smallest chunk: that of a 544-byte MTU, the smallest Averon accepts (a 572-byte IP datagram,
     * within the 576 bytes every IPv4 host must take). Every fixed-size message fits such a frame, a
     * HELLO with the longest endpoint too (403 bytes); a REFUSED's reason is cut to the chunk.
     */
    public static final int MIN_CHUNK_BYTES = 384;
    /**
     * Payload of a JOIN: parameter count, updater-state count, 32-byte config hash, the server's
     * nonce, chunk bytes (int32), the training run (int64), the training tasks the worker stands
     * for (int32: 1, or its hierarchical group's size).
     */
    public static final int JOIN_PAYLOAD = 8 + 8 + 32 + 8 + 4 + 8 + 4;
    /** Payload of a JOIN_ACK: the server's current round. */
    public static final int JOIN_ACK_PAYLOAD = 8;
    /**
     * Largest REFUSED payload: a 2-byte code ({@link Refusal#code()}), then the UTF-8 reason; never
     * more than the chunk (the sender cuts the reason to fit one frame).
     */
    public static final int MAX_REASON = 1024;
    /** Largest REPORT (UTF-8 JSON, chunked like a vector). */
    public static final int MAX_REPORT = 60 * 1024;

    private final MessageAuthenticator authenticator;
    private final long jobId;
    private final long maxVectorBytes;
    private final int chunkBytes;
    /** Longest HELLO or CHALLENGE datagram: the MTU that {@link #chunkBytes} comes from. */
    private final int maxDatagramBytes;
    private final int senderLimit;
    private final boolean serverSide;

    /**
     * @param authenticator  keyed with the job secret
     * @param jobId          the job's id
     * @param maxVectorBytes largest PUSH/AVERAGED/REPORT_VECTOR payload the registered model allows
     * @param chunkBytes     the agreed chunk size: a vector of {@code t} bytes arrives in exactly
     *                       {@code Chunking.chunkCount(t, chunkBytes)} messages; a HELLO or CHALLENGE
     *                       datagram may be as long as the MTU it comes from (chunk + 160 bytes)
     * @param senderLimit    receiving worker messages: worker ids must be below this (the expected
     *                       worker count); ignored on the worker side
     * @param serverSide     true: accept worker messages; false: accept server messages
     */
    public MessageValidator(MessageAuthenticator authenticator, long jobId, long maxVectorBytes, int chunkBytes,
                            int senderLimit, boolean serverSide) {
        if (chunkBytes < MIN_CHUNK_BYTES || chunkBytes % Float.BYTES != 0) {
            throw new IllegalArgumentException("chunk bytes must be a multiple of 4 >= " + MIN_CHUNK_BYTES + ", got "
                    + chunkBytes);
        }
        this.authenticator = authenticator;
        this.jobId = jobId;
        this.maxVectorBytes = maxVectorBytes;
        this.chunkBytes = chunkBytes;
        this.maxDatagramBytes = chunkBytes + MessageHeader.OVERHEAD + FRAME_HEADER;
        this.senderLimit = Math.min(senderLimit, MessageHeader.MAX_WORKER_ID + 1);
        this.serverSide = serverSide;
    }

    /** Null if the message passes; otherwise the first check it fails. */
    public Refusal validate(DirectBuffer b, int offset, int length) {
        if (length < MessageHeader.OVERHEAD) {
            return Refusal.TOO_SHORT;
        }
        if (MessageHeader.magic(b, offset) != MessageHeader.MAGIC) {
            return Refusal.BAD_MAGIC;
        }
        if (MessageHeader.version(b, offset) != MessageHeader.VERSION) {
            return Refusal.BAD_VERSION;
        }
        MessageType type = MessageHeader.type(b, offset);
        if (type == null || type.fromWorker() != serverSide) {
            return Refusal.BAD_TYPE;
        }
        int payload = MessageHeader.payloadLength(b, offset);
        if (payload < 0 || payload != length - MessageHeader.OVERHEAD || !lengthsFit(type, b, offset, payload)) {
            return Refusal.BAD_LENGTH;
        }
        int worker = MessageHeader.workerId(b, offset);
        if (serverSide ? worker < 0 || worker >= senderLimit : worker != MessageHeader.SERVER_ID
                && type != MessageType.JOIN_ACK && type != MessageType.REFUSED && type != MessageType.CHALLENGE
                && type != MessageType.AVERAGED) {
            return Refusal.BAD_WORKER_ID;
        }
        if (!authenticator.verify(b, offset, MessageHeader.LENGTH + payload)) {
            return Refusal.BAD_MAC;
        }
        if (MessageHeader.jobId(b, offset) != jobId) {
            return Refusal.WRONG_JOB;
        }
        return null;
    }

    private boolean lengthsFit(MessageType type, DirectBuffer b, int offset, int payload) {
        int index = MessageHeader.chunkIndex(b, offset);
        int count = MessageHeader.chunkCount(b, offset);
        long total = MessageHeader.totalLength(b, offset);
        long chunkOffset = MessageHeader.chunkOffset(b, offset);
        if (count < 1 || index < 0 || index >= count || total < 0 || chunkOffset < 0) {
            return false;
        }
        if (type == MessageType.HELLO || type == MessageType.CHALLENGE) {
            // datagrams, padded up to the MTU: the join proves that frames of the MTU get through
            int fixed = type == MessageType.HELLO ? HELLO_FIXED_PAYLOAD : CHALLENGE_PAYLOAD;
            if (count != 1 || total != payload || chunkOffset != 0 || payload < fixed
                    || payload > maxDatagramBytes - MessageHeader.OVERHEAD) {
                return false;
            }
            int endpoint = type == MessageType.HELLO ? Payloads.Hello.endpointLength(b, offset) : 0;
            return endpoint >= 0 && endpoint <= MAX_ENDPOINT && endpoint <= payload - fixed;
        }
        if (payload > chunkBytes) {
            return false;
        }
        return switch (type) {
            case HELLO, CHALLENGE -> false; // checked above
            case JOIN -> single(index, count, total, chunkOffset, payload, JOIN_PAYLOAD);
            case JOIN_ACK -> single(index, count, total, chunkOffset, payload, JOIN_ACK_PAYLOAD);
            case HEARTBEAT, LEAVE -> single(index, count, total, chunkOffset, payload, 0);
            case REFUSED -> count == 1 && total == payload && chunkOffset == 0 && payload >= 2 && payload <= MAX_REASON;
            case REPORT -> total > 0 && total <= MAX_REPORT && chunked(index, count, total, chunkOffset, payload);
            case PUSH -> total > 0 && total <= maxVectorBytes && total % Float.BYTES == 0
                    && encodedChunk(MessageHeader.flags(b, offset), index, count, total, chunkOffset, payload);
            case AVERAGED, REPORT_VECTOR -> total > 0 && total <= maxVectorBytes && total % Float.BYTES == 0
                    && chunked(index, count, total, chunkOffset, payload);
        };
    }

    /**
     * A PUSH chunk is where the agreed cut of the logical (float32) vector puts it, its payload
     * that many values in the announced encoding; compressed values only in a delta.
     */
    private boolean encodedChunk(int flags, int index, int count, long total, long chunkOffset, int payload) {
        Encoding encoding = Encoding.of(flags);
        if (encoding == null || encoding != Encoding.FLOAT32 && (flags & MessageHeader.FLAG_DELTA) == 0) {
            return false;
        }
        int logicalChunk = encoding.logicalChunkBytes(chunkBytes);
        return count == Chunking.chunkCount(total, logicalChunk)
                && chunkOffset == Chunking.chunkOffset(total, count, index)
                && payload == encoding.encodedBytes(Chunking.chunkLength(total, count, index) / Float.BYTES);
    }

    /** The chunk is exactly where the agreed cut puts it: the count follows from the total, never from the sender. */
    private boolean chunked(int index, int count, long total, long chunkOffset, int payload) {
        return count == Chunking.chunkCount(total, chunkBytes)
                && chunkOffset == Chunking.chunkOffset(total, count, index)
                && payload == Chunking.chunkLength(total, count, index);
    }

    private static boolean single(int index, int count, long total, long chunkOffset, int payload, int expected) {
        return count == 1 && index == 0 && chunkOffset == 0 && total == expected && payload == expected;
    }
}
