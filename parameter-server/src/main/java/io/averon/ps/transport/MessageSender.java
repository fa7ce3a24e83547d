package io.averon.ps.transport;

import io.aeron.Publication;
import io.averon.ps.protocol.Chunking;
import io.averon.ps.protocol.Encoding;
import io.averon.ps.protocol.MessageAuthenticator;
import io.averon.ps.protocol.MessageHeader;
import io.averon.ps.protocol.MessageType;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/**
 * Builds, signs and offers messages on one publication. Every message fits one Aeron frame of the
 * publication's MTU (PROTOCOL.md): float vectors are cut into chunks of {@link #chunkBytes()}, the
 * frame payload minus header and MAC. The message buffer is allocated once and reused, and nothing
 * is allocated per message; the sequence increases by one per message. Sends are serialised (a
 * worker's heartbeat thread and its training thread share one sender), so sequence order is
 * publication order.
 */
public final class MessageSender {

    private final Publication publication;
    private final MessageAuthenticator authenticator;
    private final BoundedOffer offer;
    private final FrameWriter writer;
    private final int chunkBytes;
    private final UnsafeBuffer message;
    private long sequence;

    public MessageSender(Publication publication, MessageAuthenticator authenticator, String peer) {
        this.publication = publication;
        this.authenticator = authenticator;
        this.offer = new BoundedOffer(peer);
        this.chunkBytes = Chunking.chunkBytesForFrame(publication.maxPayloadLength());
        this.writer = new FrameWriter(authenticator, chunkBytes);
        this.message = new UnsafeBuffer(ByteBuffer.allocateDirect(MessageHeader.OVERHEAD + chunkBytes));
    }

    public Publication publication() {
        return publication;
    }

    public BoundedOffer offer() {
        return offer;
    }

    /** The next sequence number, used up (for a message this side sends outside the publication, e.g. a HELLO). */
    public synchronized long nextSequence() {
        return ++sequence;
    }

    /** Payload bytes of a full chunk: what one frame of this publication carries besides header and MAC. */
    public int chunkBytes() {
        return chunkBytes;
    }

    /** Sends a message whose payload is {@code payload[0 .. length)} (small, unchunked). */
    public synchronized void sendSmall(MessageType type, int flags, long jobId, long incarnation, long round, int workerId,
                                       int attempt, long session, byte[] payload, int length, long deadlineNs) {
        if (length > chunkBytes) {
            throw new IllegalArgumentException(type + " of " + length + " bytes does not fit one frame (" + chunkBytes
                    + " bytes of payload)");
        }
        int messageLength = MessageHeader.writeSigned(message, authenticator, type, flags, jobId, incarnation, round,
                workerId, attempt, session, ++sequence, payload, length);
        offer.offer(publication, message, 0, messageLength, deadlineNs);
    }

    /**
     * Sends an empty-payload message if the publication takes it at once; false (nothing sent, no
     * sequence used) when back-pressured. For best-effort messages such as heartbeats.
     */
    public synchronized boolean trySendEmpty(MessageType type, long jobId, long incarnation, int workerId, int attempt,
                                             long session) {
        MessageHeader.write(message, 0, type, 0, jobId, incarnation, 0, workerId, attempt, session, sequence + 1, 0,
                0, 1, 0, 0, 0);
        authenticator.sign(message, 0, MessageHeader.LENGTH);
        if (offer.tryOffer(publication, message, 0, MessageHeader.OVERHEAD)) {
            sequence++;
            return true;
        }
        return false;
    }

    /**
     * Sends {@code values[0 .. count)}, one frame per chunk, in the encoding {@code flags} announce
     * (float32 unless a compression flag is set); {@code residual}, when not null, is the error
     * feedback of a compressed delta: added before encoding, left holding what the encoding dropped.
     */
    public synchronized void sendVector(MessageType type, int flags, long jobId, long incarnation, long round, int workerId,
                                        int attempt, long session, long sampleCount, float[] values, float[] residual,
                                        int count, long deadlineNs) {
        sendChunked(type, flags, jobId, incarnation, round, workerId, attempt, session, sampleCount, values, residual,
                null, (long) count * Float.BYTES, deadlineNs);
    }

    /** Sends {@code bytes[0 .. length)}, one frame per chunk (a report's text). */
    public synchronized void sendBytes(MessageType type, long jobId, long incarnation, long round, int workerId,
                                       int attempt, byte[] bytes, int length, long deadlineNs) {
        sendChunked(type, 0, jobId, incarnation, round, workerId, attempt, MessageHeader.NO_SESSION, 0, null, null,
                bytes, length, deadlineNs);
    }

    private void sendChunked(MessageType type, int flags, long jobId, long incarnation, long round, int workerId,
                             int attempt, long session, long sampleCount, float[] values, float[] residual,
                             byte[] bytes, long total, long deadlineNs) {
        int chunks = values == null ? writer.chunkCount(total) : writer.chunkCount(total, Encoding.of(flags));
        for (int index = 0; index < chunks; index++) {
            int length = writer.write(message, type, flags, jobId, incarnation, round, workerId, attempt, session,
                    ++sequence, sampleCount, values, residual, bytes, total, chunks, index);
            offer.offer(publication, message, 0, length, deadlineNs);
        }
    }
}
