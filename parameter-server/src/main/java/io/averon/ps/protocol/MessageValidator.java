package io.averon.ps.protocol;

import org.agrona.DirectBuffer;

/**
 * The first three checks of PROTOCOL.md, in order, on a received message: header size (and
 * magic, version, type), length sanity against the registered model size, and the MAC; then the
 * job id. Round and replay checks need the receiver's state and follow in the caller. Nothing is
 * copied or allocated here.
 */
public final class MessageValidator {

    /** Payload of a JOIN: parameter count, updater-state count, 32-byte config hash. */
    public static final int JOIN_PAYLOAD = 8 + 8 + 32;
    /** Payload of a JOIN_ACK: the server's current round. */
    public static final int JOIN_ACK_PAYLOAD = 8;
    /** Largest REFUSED reason. */
    public static final int MAX_REASON = 1024;
    /** Largest REPORT (one unchunked message). */
    public static final int MAX_REPORT = 60 * 1024;

    private final MessageAuthenticator authenticator;
    private final long jobId;
    private final long maxVectorBytes;
    private final boolean serverSide;

    /**
     * @param authenticator  keyed with the job secret
     * @param jobId          the job's id
     * @param maxVectorBytes largest PUSH/AVERAGED payload the registered model allows
     * @param serverSide     true: accept worker messages; false: accept server messages
     */
    public MessageValidator(MessageAuthenticator authenticator, long jobId, long maxVectorBytes, boolean serverSide) {
        this.authenticator = authenticator;
        this.jobId = jobId;
        this.maxVectorBytes = maxVectorBytes;
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
        if (serverSide ? worker < 0 || worker > MessageHeader.MAX_WORKER_ID : worker != MessageHeader.SERVER_ID
                && type != MessageType.JOIN_ACK && type != MessageType.REFUSED) {
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
        return switch (type) {
            case JOIN -> single(index, count, total, chunkOffset, payload, JOIN_PAYLOAD);
            case JOIN_ACK -> single(index, count, total, chunkOffset, payload, JOIN_ACK_PAYLOAD);
            case HEARTBEAT, LEAVE -> single(index, count, total, chunkOffset, payload, 0);
            case REFUSED -> count == 1 && total == payload && chunkOffset == 0 && payload <= MAX_REASON;
            case REPORT -> count == 1 && total == payload && chunkOffset == 0 && payload <= MAX_REPORT;
            case PUSH, AVERAGED, REPORT_VECTOR -> total > 0 && total <= maxVectorBytes && total % Float.BYTES == 0
                    && chunkOffset == Chunking.chunkOffset(total, count, index)
                    && payload == Chunking.chunkLength(total, count, index);
        };
    }

    private static boolean single(int index, int count, long total, long chunkOffset, int payload, int expected) {
        return count == 1 && index == 0 && chunkOffset == 0 && total == expected && payload == expected;
    }
}
