package io.averon.ps;

import io.averon.ps.protocol.MessageAuthenticator;
import io.averon.ps.protocol.MessageHeader;
import io.averon.ps.protocol.MessageType;
import io.averon.ps.protocol.MessageValidator;
import io.averon.ps.protocol.Payloads;
import io.averon.ps.protocol.Refusal;
import io.averon.ps.transport.HandshakeSocket;
import io.averon.ps.transport.Outbox;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.SocketAddress;
import java.nio.ByteBuffer;

/**
 * Everything the server sends: CHALLENGE datagrams on the handshake socket, each exactly as long as
 * the HELLO it answers, and JOIN_ACK, REFUSED and AVERAGED queued on a worker's own stream
 * ({@link Outbox}, drained by the agent's duty cycle). Builds payloads with {@link Payloads};
 * decides nothing. Owned by the server's agent thread.
 */
final class ServerOutbound {

    private static final Logger LOG = LoggerFactory.getLogger(ServerOutbound.class);

    private final WorkerSessions sessions;
    private final HandshakeSocket handshake;
    private final MessageAuthenticator authenticator;
    private final long jobId;
    private final long incarnation;
    private final int workers;
    private final int mtuBytes;
    /** Longest REFUSED payload: one frame's chunk, at most MAX_REASON. */
    private final int maxReason;
    private final ServerCounters counters;
    private final byte[] smallPayload = new byte[MessageValidator.MAX_REASON];
    /** A CHALLENGE's payload: the fixed part, then zero bytes (the padding) up to the MTU. */
    private final byte[] challengePayload;
    private final UnsafeBuffer handshakeOut;
    /** Sequence numbers of the server's handshake datagrams (each stream numbers its own messages). */
    private long handshakeSequence;

    ServerOutbound(WorkerSessions sessions, HandshakeSocket handshake, MessageAuthenticator authenticator, long jobId,
                   long incarnation, int workers, int mtuBytes, ServerCounters counters) {
        this.sessions = sessions;
        this.handshake = handshake;
        this.authenticator = authenticator;
        this.jobId = jobId;
        this.incarnation = incarnation;
        this.workers = workers;
        this.mtuBytes = mtuBytes;
        this.maxReason = Math.min(MessageValidator.MAX_REASON, io.averon.ps.transport.Ports.chunkBytes(mtuBytes));
        this.counters = counters;
        this.challengePayload = new byte[mtuBytes - MessageHeader.OVERHEAD];
        this.handshakeOut = new UnsafeBuffer(ByteBuffer.allocateDirect(mtuBytes));
    }

    /**
     * A CHALLENGE to the HELLO's source (nonce 0 answers a probe), padded to exactly
     * {@code helloLength}, the length of the HELLO's datagram: never larger than what it answers, and
     * as large, so that it proves datagrams of that size reach the worker.
     *
     * @param helloBytes the length of the join session's HELLO this server received (0: none)
     */
    void challenge(int worker, long session, long nonce, int streamSession, int helloBytes, int helloLength,
                   SocketAddress to) {
        Payloads.Challenge.encode(challengePayload, nonce, streamSession, mtuBytes, helloBytes);
        // a checked HELLO is at least as long as the CHALLENGE's fixed part and at most the MTU
        int payload = Math.min(helloLength, mtuBytes) - MessageHeader.OVERHEAD;
        int length = MessageHeader.writeSigned(handshakeOut, authenticator, MessageType.CHALLENGE, 0, jobId,
                incarnation, 0, worker, 0, session, ++handshakeSequence, challengePayload, payload);
        handshake.send(handshakeOut, length, to);
    }

    /** A JOIN_ACK naming the last closed round; {@code globalFollows}: its vector comes next ({@link #averaged}). */
    void joinAck(int worker, long session, long lastClosedRound, boolean globalFollows) {
        int length = Payloads.JoinAck.encode(smallPayload, lastClosedRound);
        queueSmall(MessageType.JOIN_ACK, globalFollows ? MessageHeader.FLAG_GLOBAL : 0, worker, session,
                lastClosedRound, length);
    }

    /** A REFUSED to {@code worker}'s {@code session}. */
    void refused(int worker, long session, long round, Refusal code, String reason) {
        queueSmall(MessageType.REFUSED, 0, worker, session, round,
                Payloads.Refused.encode(smallPayload, code, reason, maxReason));
    }

    /** A REFUSED to every joined worker (worker id SERVER_ID, no session), e.g. a failed round. */
    void refusedToAll(long round, Refusal code, String reason) {
        int length = Payloads.Refused.encode(smallPayload, code, reason, maxReason);
        for (int w = 0; w < workers; w++) {
            Outbox outbox = sessions.joinedOutbox(w);
            if (outbox != null) {
                outbox.queueSmall(MessageType.REFUSED, 0, round, MessageHeader.SERVER_ID, MessageHeader.NO_SESSION,
                        smallPayload, length);
            }
        }
    }

    /**
     * Queues a round's global vector {@code values[0 .. count)} on the stream of {@code worker}'s
     * {@code session} (nothing if it has none); the array must not change until sent.
     */
    void averaged(int worker, long session, long round, float[] values, int count, int parameterCount, long samples) {
        Outbox outbox = sessions.outbox(worker, session);
        if (outbox == null) {
            return;
        }
        int flags = count > parameterCount ? MessageHeader.FLAG_UPDATER_STATE : 0;
        outbox.queueVector(MessageType.AVERAGED, flags, round, worker, session, samples, values, count);
        counters.bytesOut.addAndGet((long) count * Float.BYTES);
    }

    private void queueSmall(MessageType type, int flags, int worker, long session, long round, int length) {
        Outbox outbox = sessions.outbox(worker, session);
        if (outbox != null) {
            outbox.queueSmall(type, flags, round, worker, session, smallPayload, length);
        } else {
            LOG.debug("no stream to worker {} session {}: {} not sent", worker, session, type);
        }
    }
}
