package io.averon.ps;

import io.averon.ps.protocol.MessageAuthenticator;
import io.averon.ps.protocol.MessageHeader;
import io.averon.ps.protocol.MessageType;
import io.averon.ps.protocol.MessageValidator;
import io.averon.ps.protocol.Payloads;
import io.averon.ps.protocol.Refusal;
import io.averon.ps.transport.HandshakeSocket;
import io.averon.ps.transport.Ports;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * A worker's side of joining (PROTOCOL.md, "Joining"): HELLO datagrams until the CHALLENGE that
 * echoes this join's session, then JOIN (carrying its nonce) until the JOIN_ACK, and the global
 * vector if asked for; retried while the server is {@code BUSY} with another run. Once joined, the
 * JOIN is repeated to ask again for what a gap in the server's stream lost. Used by the worker's
 * one calling thread.
 */
final class WorkerJoin {

    /** How often a joining worker repeats its HELLO until the CHALLENGE arrives. */
    static final long HELLO_INTERVAL_MS = 200;
    /** How often a joining worker repeats its JOIN until the JOIN_ACK arrives. */
    static final long JOIN_INTERVAL_MS = 1000;
    /** How long a worker waits before joining again a server that serves another run. */
    static final long BUSY_RETRY_MS = 500;

    private final ClientContext context;
    private final long jobId;
    private final String serverName;
    private final HandshakeSocket handshake;
    private final InetSocketAddress handshakeAddress;
    private final MessageAuthenticator helloAuthenticator;
    private final MessageValidator challengeValidator;
    private final UnsafeBuffer helloMessage = new UnsafeBuffer(ByteBuffer.allocateDirect(HandshakeSocket.MAX_DATAGRAM));
    private final JoinSession join;
    private final WorkerSender sender;
    private final ServerStream stream;
    private final ServerAnswers answers;
    private final IdleStrategy idle = new BackoffIdleStrategy();
    /** This join's JOIN payload, repeated to re-request what a gap in the server's stream lost. */
    private byte[] joinPayload;
    private long nextRequestNs;

    WorkerJoin(ClientContext context, long jobId, String serverName, HandshakeSocket handshake, JoinSession join,
               WorkerSender sender, ServerStream stream, ServerAnswers answers) {
        this.context = context;
        this.jobId = jobId;
        this.serverName = serverName;
        this.handshake = handshake;
        this.handshakeAddress = new InetSocketAddress(context.serverHost(), context.serverPort() + 1);
        this.helloAuthenticator = new MessageAuthenticator(context.secret());
        this.challengeValidator = new MessageValidator(new MessageAuthenticator(context.secret()), jobId, 0,
                Ports.chunkBytes(context.mtuBytes()), 0, false);
        this.join = join;
        this.sender = sender;
        this.stream = stream;
        this.answers = answers;
    }

    /**
     * Joins, saying HELLO from {@code endpoint}'s publication session {@code aeronSession}: returns
     * the server's last closed round, and its global vector if {@code fetchGlobal} and one exists.
     */
    RoundClient.Joined join(boolean fetchGlobal, int aeronSession, String endpoint) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(context.connectTimeoutMs());
        byte[] hello = Payloads.Hello.encode(aeronSession, endpoint);
        while (true) {
            try {
                return joinOnce(fetchGlobal, hello, deadline);
            } catch (ServerBusyException e) {
                // another run's workers are still live (e.g. a driver that died moments ago): they are
                // declared dead within the server's heartbeat timeout
                if (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(BUSY_RETRY_MS) > deadline) {
                    throw e;
                }
                try {
                    Thread.sleep(BUSY_RETRY_MS);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new ParameterServerException("interrupted while waiting to join " + serverName, interrupted);
                }
            }
        }
    }

    private RoundClient.Joined joinOnce(boolean fetchGlobal, byte[] hello, long deadline) {
        join.begin(); // heartbeats pause, and this join's answers set the server incarnation
        stream.beginJoin();
        answers.beginJoin();
        // HELLO travels as a plain UDP datagram to PORT + 1 and may be lost: repeat it until answered
        long nextHello = 0;
        while (!join.isChallenged()) {
            answers.throwIfRefused("join");
            if (System.nanoTime() - nextHello >= 0) {
                int length = MessageHeader.writeSigned(helloMessage, helloAuthenticator, MessageType.HELLO, 0, jobId, 0,
                        0, context.workerId(), context.attempt(), join.id(), sender.nextSequence(), hello, hello.length);
                handshake.send(helloMessage, length, handshakeAddress);
                nextHello = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(HELLO_INTERVAL_MS);
            }
            if (handshake.poll(this::onChallenge, 16) == 0) {
                if (System.nanoTime() > deadline) {
                    throw new ParameterServerUnreachableException(serverName + " is unreachable (no answer to HELLO on "
                            + "UDP port " + (context.serverPort() + 1) + " before the deadline)");
                }
                idle.idle();
            }
        }
        // the server now reads this worker's publication: it connects, and the JOIN goes over it
        sender.awaitConnected(deadline);
        joinPayload = Payloads.Join.encode(context.parameterCount(), context.updaterStateCount(),
                context.configHash(), join.nonce(), sender.chunkBytes(), context.runId(), context.tasks());
        int flags = (fetchGlobal ? MessageHeader.FLAG_GLOBAL : 0) | (context.resume() ? MessageHeader.FLAG_RESUME : 0);
        // the server adds this worker's endpoint as a destination on the JOIN, so its first answer
        // may go out before the server's stream reaches this endpoint: the JOIN is sent again once
        // it does (then the answer arrives), and every JOIN_INTERVAL_MS while nothing answers
        long nextJoin = 0;
        boolean sentSinceImage = false;
        while (answers.ackRound() < 0) {
            answers.throwIfRefused("join");
            boolean image = stream.hasImage();
            if (System.nanoTime() - nextJoin >= 0 || image && !sentSinceImage) {
                sender.join(flags, joinPayload, deadline);
                nextJoin = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(JOIN_INTERVAL_MS);
                sentSinceImage = image;
            }
            stream.pollUntil(deadline, "answer to JOIN (is this worker's endpoint reachable from the server?)");
        }
        while (answers.globalFollows() && !answers.averagedComplete()) {
            stream.pollUntil(deadline, "global vector of round " + answers.ackRound());
        }
        join.joined();
        return new RoundClient.Joined(answers.ackRound(),
                answers.globalFollows() ? answers.averaged(answers.ackRound()) : null);
    }

    /** A push was sent: a gap noticed from now on may ask for the global vector at once. */
    void rearmRequest() {
        nextRequestNs = System.nanoTime();
    }

    /**
     * After a gap in the server's stream, repeats the JOIN for the last closed round's global
     * vector, at most every JOIN_INTERVAL_MS (the server answers once what it sent is all out).
     */
    void requestGlobalIfDue(long deadlineNs) {
        if (System.nanoTime() - nextRequestNs >= 0) {
            sender.join(MessageHeader.FLAG_GLOBAL, joinPayload, deadlineNs);
            nextRequestNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(JOIN_INTERVAL_MS);
        }
    }

    /** The CHALLENGE answering this join's HELLO, on the handshake socket; anything else there is dropped. */
    private void onChallenge(UnsafeBuffer b, int length, SocketAddress source) {
        Refusal r = challengeValidator.validate(b, 0, length);
        if (r == null && MessageHeader.type(b, 0) != MessageType.CHALLENGE) {
            r = Refusal.BAD_TYPE;
        }
        if (r == null && MessageHeader.workerId(b, 0) != context.workerId()) {
            r = Refusal.BAD_WORKER_ID;
        }
        if (r == null && MessageHeader.session(b, 0) != join.id()) {
            r = Refusal.STALE_SESSION;
        }
        if (r != null) {
            stream.count(r);
            return;
        }
        if (!join.isChallenged()) { // a repeated CHALLENGE (the HELLO was repeated) changes nothing
            // the server run that challenged this join, and the stream it opens to this join
            join.challenged(MessageHeader.incarnation(b, 0), Payloads.Challenge.nonce(b, 0));
            stream.admit(Payloads.Challenge.streamSession(b, 0));
        }
    }
}
