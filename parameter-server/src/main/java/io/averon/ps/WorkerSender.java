package io.averon.ps;

import io.averon.ps.protocol.Encoding;
import io.averon.ps.protocol.MessageHeader;
import io.averon.ps.protocol.MessageType;
import io.averon.ps.transport.MessageSender;

/**
 * Everything a worker sends the server on its publication, stamped with the current
 * {@link JoinSession}: JOIN, PUSH (compressed when configured, with error feedback), HEARTBEAT and
 * LEAVE. Thread-safe as {@link MessageSender} is (the heartbeat thread shares it).
 */
final class WorkerSender {

    private final MessageSender sender;
    private final ClientContext context;
    private final long jobId;
    private final JoinSession join;
    /** With compressed deltas: what compression dropped from this worker's pushes so far (error feedback). */
    private final float[] residual;

    WorkerSender(MessageSender sender, ClientContext context, long jobId, JoinSession join) {
        this.sender = sender;
        this.context = context;
        this.jobId = jobId;
        this.join = join;
        this.residual = context.compression() == Encoding.FLOAT32 ? null : new float[context.vectorLength()];
    }

    /** Payload bytes of a full chunk of this worker's publication (a JOIN tells the server). */
    int chunkBytes() {
        return sender.chunkBytes();
    }

    /** The next sequence number, used up by a message sent outside the publication (a HELLO). */
    long nextSequence() {
        return sender.nextSequence();
    }

    /** Waits until the server reads this worker's publication. */
    void awaitConnected(long deadlineNs) {
        sender.offer().awaitConnected(sender.publication(), deadlineNs);
    }

    boolean isConnected() {
        return sender.publication().isConnected();
    }

    void join(int flags, byte[] payload, long deadlineNs) {
        sender.sendSmall(MessageType.JOIN, flags, jobId, join.incarnation(), 0, context.workerId(), context.attempt(),
                join.id(), payload, payload.length, deadlineNs);
    }

    /**
     * Sends {@code values[0 .. count)} for {@code round}; only a delta of the parameters alone is
     * compressed: optimiser state spans many orders of magnitude (a shared int8 scale would zero
     * most of it), so a push that carries it goes as float32.
     */
    void push(long round, float[] values, int count, long sampleCount, boolean delta, long deadlineNs) {
        boolean compressed = delta && context.compression() != Encoding.FLOAT32 && count == context.parameterCount();
        int flags = (count > context.parameterCount() ? MessageHeader.FLAG_UPDATER_STATE : 0)
                | (delta ? MessageHeader.FLAG_DELTA : 0) | (compressed ? context.compression().flag() : 0);
        sender.sendVector(MessageType.PUSH, flags, jobId, join.incarnation(), round, context.workerId(),
                context.attempt(), join.id(), sampleCount, values, compressed ? residual : null, count, deadlineNs);
    }

    /** A HEARTBEAT if the publication takes it at once; false (nothing sent) when back-pressured. */
    boolean tryHeartbeat() {
        return sender.trySendEmpty(MessageType.HEARTBEAT, jobId, join.incarnation(), context.workerId(),
                context.attempt(), join.id());
    }

    void leave(long deadlineNs) {
        sender.sendSmall(MessageType.LEAVE, 0, jobId, join.incarnation(), 0, context.workerId(), context.attempt(),
                join.id(), null, 0, deadlineNs);
    }
}
