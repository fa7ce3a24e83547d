package io.averon.ps;

import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import io.averon.ps.protocol.MessageAuthenticator;
import io.averon.ps.protocol.MessageHeader;
import io.averon.ps.protocol.MessageType;
import io.averon.ps.protocol.MessageValidator;
import io.averon.ps.protocol.Payloads;
import io.averon.ps.protocol.Refusal;
import io.averon.ps.transport.HandshakeSocket;
import io.averon.ps.transport.Ports;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.net.SocketAddress;

/**
 * Decodes and checks every message a worker sends the server, in PROTOCOL.md's order, and routes
 * what passes: a HELLO datagram or a JOIN to {@link JoinHandshake}, a PUSH, HEARTBEAT or LEAVE of
 * a joined session to {@link ServerRounds}. A message failing a check is dropped and counted by
 * reason. The length limits follow the registered model (none before one is: only HELLOs and
 * JOINs can pass). Owned by the agent thread.
 */
final class WorkerMessageAdapter implements FragmentHandler, HandshakeSocket.Handler {

    private final MessageAuthenticator authenticator;
    private final long jobId;
    private final long incarnation;
    private final int chunkBytes;
    private final int workers;
    private final WorkerSessions sessions;
    private final JoinHandshake joins;
    private final ServerRounds rounds;
    private final ServerCounters counters;
    private MessageValidator validator;
    /** The model {@link #validator} is sized for (null: none registered). */
    private ModelFingerprint validatorModel;

    WorkerMessageAdapter(ServerContext context, long jobId, long incarnation, WorkerSessions sessions,
                         JoinHandshake joins, ServerRounds rounds, ServerCounters counters) {
        this.authenticator = new MessageAuthenticator(context.secret());
        this.jobId = jobId;
        this.incarnation = incarnation;
        this.chunkBytes = Ports.chunkBytes(context.mtuBytes());
        this.workers = context.rounds().expectedWorkers();
        this.sessions = sessions;
        this.joins = joins;
        this.rounds = rounds;
        this.counters = counters;
        this.validator = validatorFor(null);
    }

    private MessageValidator validatorFor(ModelFingerprint model) {
        long maxVectorBytes = model == null ? 0 : (long) model.vectorLength() * Float.BYTES;
        return new MessageValidator(authenticator, jobId, maxVectorBytes, chunkBytes, workers, true);
    }

    /** Checks 1 to 5 (PROTOCOL.md), with the limits of the model registered now. */
    private Refusal validate(DirectBuffer b, int offset, int length) {
        ModelFingerprint model = rounds.model();
        if (model != validatorModel) {
            validator = validatorFor(model);
            validatorModel = model;
        }
        return validator.validate(b, offset, length);
    }

    /**
     * A datagram on the handshake port: only a HELLO, checked like every message (padded up to the
     * MTU at most); the answer, a CHALLENGE as long as the HELLO, goes back to the datagram's source.
     */
    @Override
    public void onDatagram(UnsafeBuffer b, int length, SocketAddress source) {
        Refusal refused = validate(b, 0, length);
        if (refused == null && MessageHeader.type(b, 0) != MessageType.HELLO) {
            refused = Refusal.BAD_TYPE;
        }
        if (refused != null) {
            counters.refused(refused);
            return;
        }
        int worker = MessageHeader.workerId(b, 0);
        long session = MessageHeader.session(b, 0);
        if ((MessageHeader.flags(b, 0) & MessageHeader.FLAG_PROBE) != 0) {
            joins.onProbe(worker, session, length, source);
        } else {
            joins.onHello(worker, session, MessageHeader.sequence(b, 0), Payloads.Hello.aeronSession(b, 0),
                    Payloads.Hello.endpoint(b, 0), length, source);
        }
    }

    /** A message on a worker's Aeron stream (one whole frame: {@code SingleFrameHandler} dropped the rest). */
    @Override
    public void onFragment(DirectBuffer b, int offset, int length, Header header) {
        counters.bytesIn.addAndGet(length);
        Refusal refused = validate(b, offset, length);
        if (refused != null) {
            counters.refused(refused);
            return;
        }
        MessageType type = MessageHeader.type(b, offset);
        if (type == MessageType.REPORT || type == MessageType.REPORT_VECTOR || type == MessageType.HELLO) {
            // reports go to the training driver, not here; HELLOs come as UDP datagrams to PORT + 1
            counters.refused(Refusal.BAD_TYPE);
            return;
        }
        if (MessageHeader.incarnation(b, offset) != incarnation) {
            counters.refused(Refusal.WRONG_INCARNATION);
            return; // another server run's message: its JOIN is stale, its worker learns by its deadline and rejoins
        }
        int worker = MessageHeader.workerId(b, offset);
        long session = MessageHeader.session(b, offset);
        long sequence = MessageHeader.sequence(b, offset);
        long skipped = sessions.skippedBefore(worker, session, sequence);
        if (skipped > 0) {
            rounds.onLostMessages(worker, skipped);
        }
        if (type == MessageType.JOIN) {
            joins.onJoin(b, offset, worker, session, sequence);
            return;
        }
        refused = sessions.check(worker, session, sequence);
        if (refused != null) {
            counters.refused(refused);
            return;
        }
        rounds.onMessage(type, b, offset, worker, session);
    }
}
