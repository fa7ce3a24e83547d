package io.averon.ps.transport;

import io.aeron.Publication;
import io.averon.ps.protocol.Chunking;
import io.averon.ps.protocol.MessageAuthenticator;
import io.averon.ps.protocol.MessageHeader;
import io.averon.ps.protocol.MessageType;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Builds, signs and offers messages on one publication, chunking float vectors that exceed the
 * chunk size. The message buffer is allocated once (header + chunk + MAC) and reused, and nothing
 * is allocated per message; the
 * sequence increases by one per message. Sends are serialised (a worker's heartbeat thread and its
 * training thread share one sender), so sequence order is publication order.
 */
public final class MessageSender {

    private final Publication publication;
    private final MessageAuthenticator authenticator;
    private final BoundedOffer offer;
    private final int maxChunkBytes;
    private final UnsafeBuffer message;
    private long sequence;

    /**
     * @param maxChunkBytes payload bytes per message; header + chunk + MAC must fit the
     *                      publication's maximum message length
     */
    public MessageSender(Publication publication, MessageAuthenticator authenticator, String peer, int maxChunkBytes) {
        int maxPayload = publication.maxMessageLength() - MessageHeader.OVERHEAD;
        if (maxChunkBytes > maxPayload) {
            throw new IllegalArgumentException("chunk of " + maxChunkBytes + " bytes does not fit Aeron's maximum message "
                    + "length " + publication.maxMessageLength() + " (raise the term length)");
        }
        this.publication = publication;
        this.authenticator = authenticator;
        this.offer = new BoundedOffer(peer);
        this.maxChunkBytes = maxChunkBytes - maxChunkBytes % Float.BYTES;
        this.message = new UnsafeBuffer(ByteBuffer.allocateDirect(MessageHeader.OVERHEAD + this.maxChunkBytes));
    }

    public Publication publication() {
        return publication;
    }

    public BoundedOffer offer() {
        return offer;
    }


    /** Sends a message whose payload is {@code payload[0 .. length)} (small, unchunked). */
    public synchronized void sendSmall(MessageType type, int flags, long jobId, long incarnation, long round, int workerId,
                          int attempt, byte[] payload, int length, long deadlineNs) {
        MessageHeader.write(message, 0, type, flags, jobId, incarnation, round, workerId, attempt, ++sequence, 0,
                0, 1, length, 0, length);
        if (length > 0) {
            message.putBytes(MessageHeader.LENGTH, payload, 0, length);
        }
        authenticator.sign(message, 0, MessageHeader.LENGTH + length);
        offer.offer(publication, message, 0, MessageHeader.OVERHEAD + length, deadlineNs);
    }

    /**
     * Sends an empty-payload message if the publication takes it at once; false (nothing sent, no
     * sequence used) when back-pressured. For best-effort messages such as heartbeats.
     */
    public synchronized boolean trySendEmpty(MessageType type, long jobId, long incarnation, int workerId, int attempt) {
        MessageHeader.write(message, 0, type, 0, jobId, incarnation, 0, workerId, attempt, sequence + 1, 0, 0, 1, 0, 0, 0);
        authenticator.sign(message, 0, MessageHeader.LENGTH);
        if (offer.tryOffer(publication, message, 0, MessageHeader.OVERHEAD)) {
            sequence++;
            return true;
        }
        return false;
    }

    /** Sends {@code values[0 .. count)} as float32, in as many chunks as needed. */
    public synchronized void sendVector(MessageType type, int flags, long jobId, long incarnation, long round, int workerId,
                           int attempt, long sampleCount, float[] values, int count, long deadlineNs) {
        long total = (long) count * Float.BYTES;
        int chunks = Chunking.chunkCount(total, maxChunkBytes);
        for (int index = 0; index < chunks; index++) {
            long at = Chunking.chunkOffset(total, chunks, index);
            int length = Chunking.chunkLength(total, chunks, index);
            MessageHeader.write(message, 0, type, flags, jobId, incarnation, round, workerId, attempt, ++sequence,
                    sampleCount, index, chunks, total, at, length);
            int first = (int) (at / Float.BYTES);
            for (int k = 0, n = length / Float.BYTES; k < n; k++) {
                message.putFloat(MessageHeader.LENGTH + k * Float.BYTES, values[first + k], ByteOrder.LITTLE_ENDIAN);
            }
            authenticator.sign(message, 0, MessageHeader.LENGTH + length);
            offer.offer(publication, message, 0, MessageHeader.OVERHEAD + length, deadlineNs);
        }
    }
}
