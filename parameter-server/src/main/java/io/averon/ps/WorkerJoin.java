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
 * A worker's side of joining (PROTOCOL.md, "Joining"): HELLO datagrams padded to the MTU until the
 * CHALLENGE that echoes this join's session, as long, arrives (so datagrams of the MTU get through
 * both ways before any Aeron stream opens), then JOIN (carrying its nonce) until the JOIN_ACK, and
 * the global vector if asked for; retried while the server is {@code BUSY} with another run. When
 * the padded HELLO goes unanswered but small probes get through, it fails fast naming the MTU that
 * fits ({@link DatagramSizeProbe}). Once joined, the JOIN is repeated to ask again for what a gap in
 * the server's stream lost. Used by the worker's one calling thread.
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
    private final UnsafeBuffer helloMessage;
    /** A probe's payload: a HELLO's with no session and no endpoint, zero up to the MTU (sent cut to the probe's size). */
    private final byte[] probePayload;
    private final JoinSession join;
    private final WorkerSender sender;
    private final ServerStream stream;
    private final ServerAnswers answers;
    private final IdleStrategy idle = new BackoffIdleStrategy();
    /** This join's JOIN payload, repeated to re-request what a gap in the server's stream lost. */
    private byte[] joinPayload;
    private long nextRequestNs;
    /** This join's probe of datagram sizes; its answers arrive with the CHALLENGE's. */
    private DatagramSizeProbe sizes;
    /** The MTU the server's CHALLENGE named. */
    private int serverMtu;

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
        this.helloMessage = new UnsafeBuffer(ByteBuffer.allocateDirect(context.mtuBytes()));
        this.probePayload = new byte[context.mtuBytes() - MessageHeader.OVERHEAD];
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
        // padded to the MTU: its CHALLENGE, as long, proves that frames of the MTU get through both ways
        byte[] hello = Payloads.Hello.encode(aeronSession, endpoint, context.mtuBytes() - MessageHeader.OVERHEAD);
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
        long nextHello = System.nanoTime();
        sizes = new DatagramSizeProbe(context.mtuBytes(), nextHello);
        serverMtu = 0;
        while (!join.isChallenged()) {
            answers.throwIfRefused("join");
            long now = System.nanoTime();
            if (now - nextHello >= 0) {
                int length = MessageHeader.writeSigned(helloMessage, helloAuthenticator, MessageType.HELLO, 0, jobId, 0,
                        0, context.workerId(), context.attempt(), join.id(), sender.nextSequence(), hello, hello.length);
                handshake.send(helloMessage, length, handshakeAddress);
                sizes.helloSent();
                nextHello = now + TimeUnit.MILLISECONDS.toNanos(HELLO_INTERVAL_MS);
            }
            sizes.poll(now, this::sendProbe);
            if (handshake.poll(this::onChallenge, 16) == 0) {
                throwIfSizesDecided();
                if (System.nanoTime() > deadline && sizes.smallAnswered()) {
                    // the deadline came before the search ended: what it found so far is still the answer
                    throw new MtuMismatchException(DatagramSizeProbe.lostMessage(serverName, context.mtuBytes(),
                            sizes.largestBothWays(), sizes.helloReachedServer()));
                }
                if (System.nanoTime() > deadline) {
                    throw new ParameterServerUnreachableException(serverName + " is unreachable (no answer to HELLO on "
                            + "UDP port " + (context.serverPort() + 1) + " before the deadline)");
                }
                idle.idle();
            }
        }
        if (serverMtu != context.mtuBytes()) {
            throw new MtuMismatchException(DatagramSizeProbe.mismatchMessage(serverName, serverMtu,
                    context.mtuBytes()));
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

    /** A probe: a HELLO with flag bit 3 of {@code datagramBytes}, this join's session, nothing else. */
    private void sendProbe(int datagramBytes) {
        int length = MessageHeader.writeSigned(helloMessage, helloAuthenticator, MessageType.HELLO,
                MessageHeader.FLAG_PROBE, jobId, 0, 0, context.workerId(), context.attempt(), join.id(),
                sender.nextSequence(), probePayload, datagramBytes - MessageHeader.OVERHEAD);
        handshake.send(helloMessage, length, handshakeAddress);
    }

    /**
     * Fails the join when the probes answered: the server uses another MTU, or only datagrams
     * smaller than the MTU get through (and the padded HELLO stays unanswered).
     */
    private void throwIfSizesDecided() {
        if (sizes.serverMtu() != 0 && sizes.serverMtu() != context.mtuBytes()) {
            throw new MtuMismatchException(DatagramSizeProbe.mismatchMessage(serverName, sizes.serverMtu(),
                    context.mtuBytes()));
        }
        if (sizes.decided()) {
            throw new MtuMismatchException(DatagramSizeProbe.lostMessage(serverName, context.mtuBytes(),
                    sizes.largestBothWays(), sizes.helloReachedServer()));
        }
    }

    /**
     * The CHALLENGE answering this join's HELLO (as long as the padded HELLO), or a probe's (nonce
     * 0), on the handshake socket; anything else there is dropped.
     */
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
        if (r == null && Payloads.Challenge.nonce(b, 0) == 0) {
            sizes.onAnswer(length, Payloads.Challenge.serverMtu(b, 0), Payloads.Challenge.helloBytes(b, 0));
            return;
        }
        if (r == null && length != context.mtuBytes()) {
            r = Refusal.BAD_LENGTH; // the join's CHALLENGE answers the HELLO padded to the MTU, and is as long
        }
        if (r != null) {
            stream.count(r);
            return;
        }
        if (!join.isChallenged()) { // a repeated CHALLENGE (the HELLO was repeated) changes nothing
            serverMtu = Payloads.Challenge.serverMtu(b, 0);
            // the server run that challenged this join, and the stream it opens to this join
            join.challenged(MessageHeader.incarnation(b, 0), Payloads.Challenge.nonce(b, 0));
            stream.admit(Payloads.Challenge.streamSession(b, 0));
        }
    }
}
