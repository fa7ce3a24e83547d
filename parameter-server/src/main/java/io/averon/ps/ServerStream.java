package io.averon.ps;

import io.aeron.logbuffer.Header;
import io.averon.ps.protocol.MessageAuthenticator;
import io.averon.ps.protocol.MessageHeader;
import io.averon.ps.protocol.MessageType;
import io.averon.ps.protocol.MessageValidator;
import io.averon.ps.protocol.Refusal;
import io.averon.ps.transport.Ports;
import io.averon.ps.transport.SessionSubscriptions;
import io.averon.ps.transport.SingleFrameHandler;
import io.averon.ps.transport.Timeouts;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The server's stream to this worker, as the worker reads it: only the Aeron session the CHALLENGE
 * named, each message checked (PROTOCOL.md) and fresh (this join's server run, increasing
 * sequence; a skipped sequence is a gap: messages were lost), then handed to {@link ServerAnswers};
 * what fails a check is dropped and counted by reason. Every wait has a deadline and gives up when
 * cancelled or when the server stays disconnected. Used by the worker's one calling thread.
 */
final class ServerStream {

    private final SessionSubscriptions ingress;
    private final WorkerSender sender;
    private final JoinSession join;
    private final int workerId;
    private final String serverName;
    private final MessageValidator validator;
    private final SingleFrameHandler frames;
    private final ServerAnswers answers;
    private final Map<Refusal, Long> refusedCounts = new EnumMap<>(Refusal.class);
    private final IdleStrategy idle = new BackoffIdleStrategy();
    private volatile BooleanSupplier cancelled = () -> false;
    private int serverSession;
    private long lastServerSequence;
    private long disconnectedSinceNs;
    /** Set when the server's stream skipped sequence numbers: what was in between is lost. */
    private boolean streamGap;
    private long streamGaps;

    ServerStream(ClientContext context, long jobId, SessionSubscriptions ingress, WorkerSender sender, JoinSession join,
                 ServerAnswers answers, String serverName) {
        this.ingress = ingress;
        this.sender = sender;
        this.join = join;
        this.workerId = context.workerId();
        this.serverName = serverName;
        this.validator = new MessageValidator(new MessageAuthenticator(context.secret()), jobId,
                (long) context.vectorLength() * Float.BYTES, Ports.chunkBytes(context.mtuBytes()), 0, false);
        this.frames = new SingleFrameHandler(this::onMessage, () -> count(Refusal.FRAGMENTED));
        this.answers = answers;
    }

    /** A new join: the stream starts over (its sequence, once the CHALLENGE names it; no gap). */
    void beginJoin() {
        lastServerSequence = 0;
        streamGap = false;
    }

    /** From now on only the server publication {@code session} is read (a new one after a server restart). */
    void admit(int session) {
        if (session != serverSession) {
            if (serverSession != 0) {
                ingress.release(serverSession);
            }
            ingress.retain(session);
            serverSession = session;
        }
        lastServerSequence = 0; // the server's stream to this join numbers its messages from 1
    }

    /** Whether the server's stream has reached this worker's endpoint. */
    boolean hasImage() {
        return ingress.hasImage();
    }

    /** Whether a gap in the stream is waiting to be repaired (the worker asks for the global vector again). */
    boolean hasGap() {
        return streamGap;
    }

    long gaps() {
        return streamGaps;
    }

    void count(Refusal reason) {
        refusedCounts.merge(reason, 1L, Long::sum);
    }

    Map<Refusal, Long> refusedCounts() {
        return new EnumMap<>(refusedCounts);
    }

    void cancelWhen(BooleanSupplier supplier) {
        cancelled = supplier;
    }

    /** {@link #poll}, then idles if nothing arrived. */
    void pollUntil(long deadlineNs, String what) {
        idle(poll(deadlineNs, what));
    }

    void idle(int work) {
        if (work == 0) {
            idle.idle();
        } else {
            idle.reset();
        }
    }

    /** Reads what has arrived; throws if cancelled, past the deadline with nothing read, or disconnected. */
    int poll(long deadlineNs, String what) {
        if (Thread.currentThread().isInterrupted() || cancelled.getAsBoolean()) {
            throw new ParameterServerException("cancelled while waiting for " + what + " from " + serverName);
        }
        int work = ingress.poll(frames, 64);
        if (work == 0) {
            if (System.nanoTime() > deadlineNs) {
                throw new ParameterServerUnreachableException("no " + what + " from " + serverName + " before the deadline");
            }
            if (sender.isConnected()) {
                disconnectedSinceNs = 0;
            } else if (disconnectedSinceNs == 0) {
                disconnectedSinceNs = System.nanoTime();
            } else if (System.nanoTime() - disconnectedSinceNs > TimeUnit.MILLISECONDS.toNanos(Timeouts.DISCONNECTED_GRACE_MS)) {
                // a starved media driver can miss Aeron's 5 s connection timeout for a moment; a gone
                // server stays gone
                throw new ParameterServerUnreachableException(serverName + " is unreachable (not connected for "
                        + Timeouts.DISCONNECTED_GRACE_MS / 1000 + " s)");
            }
        }
        return work;
    }

    private void onMessage(DirectBuffer b, int offset, int length, Header header) {
        Refusal r = validator.validate(b, offset, length);
        if (r == null) {
            r = checkFreshness(b, offset);
        }
        if (r != null) {
            if (r != Refusal.BAD_WORKER_ID) { // BAD_WORKER_ID here: another worker's answer, not an attack
                count(r);
            }
            return;
        }
        MessageType type = MessageHeader.type(b, offset);
        if (type == MessageType.JOIN_ACK && join.isJoined()) {
            streamGap = false; // the answer to the re-request after a gap: the global vector follows
        }
        if (!answers.onMessage(type, b, offset)) {
            count(Refusal.BAD_TYPE);
        }
    }

    /**
     * Whether an authenticated message on the server's stream belongs to this join: it must come
     * after this join's CHALLENGE, from the server run that sent it, in increasing sequence, and
     * answers addressed to this worker must echo this join's session. Null if it does. A sequence
     * number that skips some means messages in between were lost: it is accepted, and the gap noted.
     */
    private Refusal checkFreshness(DirectBuffer b, int offset) {
        MessageType type = MessageHeader.type(b, offset);
        int target = MessageHeader.workerId(b, offset);
        boolean addressed = type == MessageType.JOIN_ACK || type == MessageType.AVERAGED
                || type == MessageType.REFUSED && target != MessageHeader.SERVER_ID;
        if (addressed && target != workerId) {
            return Refusal.BAD_WORKER_ID;
        }
        if (addressed && MessageHeader.session(b, offset) != join.id()) {
            return Refusal.STALE_SESSION;
        }
        if (!join.isChallenged() || type == MessageType.CHALLENGE) {
            return Refusal.BAD_TYPE; // a CHALLENGE comes on the handshake socket, before anything on the stream
        }
        if (MessageHeader.incarnation(b, offset) != join.incarnation()) {
            return Refusal.WRONG_INCARNATION;
        }
        long sequence = MessageHeader.sequence(b, offset);
        if (sequence <= lastServerSequence) {
            return Refusal.REPLAY;
        }
        if (sequence > lastServerSequence + 1) {
            streamGaps++;
            streamGap = true;
        }
        lastServerSequence = sequence;
        return null;
    }
}
