package io.averon.ps.transport;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.Publication;
import io.averon.ps.protocol.MessageAuthenticator;
import io.averon.ps.protocol.MessageType;
import org.agrona.CloseHelper;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * The messages for one peer, in order, on a publication of their own (PROTOCOL.md, "Streams"):
 * one unicast Aeron stream to the peer's receive endpoint, so the peer's window and back-pressure
 * hold only this peer's messages, and nothing is lost however long the peer goes without reading.
 * The owning thread queues messages and calls {@link #drain} in its duty cycle; nothing waits.
 * A queued vector refers to the caller's array (no copy) until its last frame is sent.
 *
 * <p>Each message is one signed frame; the stream's sequence numbers start at 1 and rise by one
 * per message, so the peer sees any gap (a stream lost and rebuilt after a long partition).
 * Owned by one thread.
 */
public final class Outbox implements AutoCloseable {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Outbox.class);

    private static final class Entry {
        MessageType type;
        int flags;
        long round;
        int workerId;
        long session;
        long sampleCount;
        byte[] payload;
        float[] values;
        long totalBytes;
        int chunks;
        int nextChunk;
    }

    private final Aeron aeron;
    private final long registration;
    private final FrameWriter writer;
    private final long jobId;
    private final long incarnation;
    private final ArrayDeque<Entry> queue = new ArrayDeque<>();
    private final UnsafeBuffer frame;
    private final String endpoint;
    private ExclusivePublication publication;
    private int frameLength;
    private long sequence;
    private long backPressured;
    private long bytesSent;
    private boolean closed;
    private boolean failed;

    /**
     * Opens the stream to {@code endpoint} (asynchronously: the media driver is told, not waited
     * for; messages queue until it exists and the peer is connected).
     *
     * @param sessionId the stream's Aeron session, which the peer was told and reads alone
     */
    public Outbox(Aeron aeron, String endpoint, int sessionId, int streamId, int mtuBytes, int termLength,
                  MessageAuthenticator authenticator, long jobId, long incarnation) {
        this.aeron = aeron;
        this.endpoint = endpoint;
        this.registration = aeron.asyncAddExclusivePublication(
                Channels.peerPublication(endpoint, sessionId, mtuBytes, termLength), streamId);
        this.writer = new FrameWriter(authenticator, Ports.chunkBytes(mtuBytes));
        this.jobId = jobId;
        this.incarnation = incarnation;
        this.frame = new UnsafeBuffer(ByteBuffer.allocateDirect(writer.frameCapacity()));
    }

    /** Queues a message whose payload is a copy of {@code payload[0 .. length)} (small, one frame). */
    public void queueSmall(MessageType type, int flags, long round, int workerId, long session, byte[] payload,
                           int length) {
        Entry e = entry(type, flags, round, workerId, session, 0);
        e.payload = java.util.Arrays.copyOf(payload, length);
        e.totalBytes = length;
        e.chunks = 1;
        queue.add(e);
    }

    /** Queues {@code values[0 .. count)} as float32, one frame per chunk; the array must not change until sent. */
    public void queueVector(MessageType type, int flags, long round, int workerId, long session, long sampleCount,
                            float[] values, int count) {
        Entry e = entry(type, flags, round, workerId, session, sampleCount);
        e.values = values;
        e.totalBytes = (long) count * Float.BYTES;
        e.chunks = writer.chunkCount(e.totalBytes);
        queue.add(e);
    }

    private static Entry entry(MessageType type, int flags, long round, int workerId, long session, long sampleCount) {
        Entry e = new Entry();
        e.type = type;
        e.flags = flags;
        e.round = round;
        e.workerId = workerId;
        e.session = session;
        e.sampleCount = sampleCount;
        return e;
    }

    /**
     * Drops the queued vectors (sent in part or not at all): their array is about to change. The
     * peer then holds an incomplete vector, which it never uses.
     *
     * @return how many were dropped
     */
    public int dropVectors() {
        int before = queue.size();
        Entry head = queue.peek();
        boolean headStarted = head != null && head.values != null && (head.nextChunk > 0 || frameLength > 0);
        queue.removeIf(e -> e.values != null);
        if (headStarted) {
            frameLength = 0; // the built frame belonged to a dropped vector; its sequence number stays used
        }
        return before - queue.size();
    }

    /**
     * Offers queued frames until the publication pushes back, {@code frameLimit} are sent, or the
     * queue is empty.
     *
     * @return frames sent
     */
    public int drain(int frameLimit) {
        if (closed || !resolve()) {
            return 0;
        }
        int sent = 0;
        while (sent < frameLimit && !queue.isEmpty()) {
            Entry head = queue.peek();
            if (frameLength == 0) {
                frameLength = writer.write(frame, head.type, head.flags, jobId, incarnation, head.round, head.workerId,
                        0, head.session, ++sequence, head.sampleCount, head.values, null, head.payload,
                        head.totalBytes, head.chunks, head.nextChunk);
            }
            long result = publication.offer(frame, 0, frameLength);
            if (result < 0) {
                if (result == Publication.BACK_PRESSURED || result == Publication.ADMIN_ACTION) {
                    backPressured++;
                } else if (result == Publication.CLOSED || result == Publication.MAX_POSITION_EXCEEDED) {
                    queue.clear(); // the stream is gone: whoever reads it must join again
                    frameLength = 0;
                }
                break; // NOT_CONNECTED: the peer has not answered the stream's SETUP yet; keep the queue
            }
            bytesSent += frameLength;
            frameLength = 0;
            sent++;
            if (++head.nextChunk == head.chunks) {
                queue.poll();
            }
        }
        return sent;
    }

    private boolean resolve() {
        if (publication == null && !failed) {
            try {
                publication = aeron.getExclusivePublication(registration);
            } catch (io.aeron.exceptions.AeronException e) {
                failed = true; // e.g. an endpoint the media driver cannot resolve: nothing can be sent
                queue.clear();
                LOG.warn("cannot open a stream to {}: {}", endpoint, e.getMessage());
            }
        }
        return publication != null;
    }

    /** Whether everything queued has been handed to the media driver. */
    public boolean isIdle() {
        return queue.isEmpty();
    }

    /** Whether the peer's endpoint has answered the stream (Aeron's connection). */
    public boolean isConnected() {
        return publication != null && publication.isConnected();
    }

    /** The peer's receive endpoint ({@code host:port}). */
    public String endpoint() {
        return endpoint;
    }

    /** Offers that found the publication back-pressured (the peer's window full), since creation. */
    public long backPressured() {
        return backPressured;
    }

    /** Bytes of frames handed to the media driver, since creation. */
    public long bytesSent() {
        return bytesSent;
    }

    /** Closes the stream (asynchronously if it is still being made); queued messages are dropped. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        queue.clear();
        if (resolve()) {
            CloseHelper.quietClose(publication);
        } else if (!failed) {
            aeron.asyncRemovePublication(registration);
        }
    }
}
