package io.averon.ps;

import io.aeron.Aeron;
import io.aeron.Publication;
import io.aeron.logbuffer.Header;
import io.averon.ps.protocol.ChunkAssembler;
import io.averon.ps.protocol.MessageAuthenticator;
import io.averon.ps.protocol.MessageHeader;
import io.averon.ps.protocol.MessageType;
import io.averon.ps.protocol.MessageValidator;
import io.averon.ps.protocol.Refusal;
import io.averon.ps.transport.Channels;
import io.averon.ps.transport.EmbeddedMediaDriver;
import io.averon.ps.transport.HandshakeSocket;
import io.averon.ps.transport.MessageSender;
import io.averon.ps.transport.SessionSubscriptions;
import io.averon.ps.transport.Ports;
import io.averon.ps.transport.SingleFrameHandler;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A worker's connection to the parameter server: {@link #join} (HELLO, CHALLENGE, JOIN, JOIN_ACK:
 * PROTOCOL.md, "Joining"), then per round
 * {@link #pushAndAwait} (send this worker's parameters, wait for the averaged ones), then
 * {@link #close} (LEAVE). A background thread heartbeats every interval while joined.
 *
 * <p>Calls other than {@code close} must come from one thread. Every wait has a deadline.
 */
public final class ParameterServerClient implements RoundClient {

    private final ClientContext context;
    private final long jobId;
    private final String serverName;
    private final EmbeddedMediaDriver driver;
    private final Aeron aeron;
    private final boolean ownsAeron;
    private final Publication publication;
    /** The server's stream, read only from the session of the server's publication (its CHALLENGE names it). */
    private final SessionSubscriptions ingress;
    private int serverSession;
    private final HandshakeSocket handshake;
    private final java.net.InetSocketAddress handshakeAddress;
    private final MessageAuthenticator helloAuthenticator;
    private final org.agrona.concurrent.UnsafeBuffer helloMessage =
            new org.agrona.concurrent.UnsafeBuffer(ByteBuffer.allocateDirect(HandshakeSocket.MAX_DATAGRAM));    private final MessageSender sender;
    private final MessageValidator validator;
    private final SingleFrameHandler frames;
    private final float[] averaged;
    /** With compressed deltas: what compression dropped from this worker's pushes so far (error feedback). */
    private final float[] residual;
    private final ChunkAssembler averagedChunks;
    private final IdleStrategy idle = new BackoffIdleStrategy();
    private final Map<Refusal, Long> refusedCounts = new EnumMap<>(Refusal.class);
    private final Thread heartbeat;

    private volatile boolean joined;
    private volatile boolean closing;
    private volatile RuntimeException heartbeatFailure;
    private long incarnation;
    /** This join's random session id; the server echoes it on its answers to this join. */
    private volatile long session;
    private long challengeNonce;
    private long lastServerSequence;
    private long awaitedRound = -1;
    private long ackRound = -1;
    private String refusal;
    private Refusal refusalCode;
    private boolean averagedComplete;
    private boolean globalFollows;
    /** This join's JOIN (payload and flags), repeated to re-request what a gap in the server's stream lost. */
    private final ByteBuffer joinPayload = ByteBuffer.allocate(MessageValidator.JOIN_PAYLOAD).order(ByteOrder.LITTLE_ENDIAN);
    private int joinFlags;
    /** Set when the server's stream skipped sequence numbers: what was in between is lost. */
    private boolean streamGap;
    private long streamGaps;
    private long nextRequestNs;
    private int lastPollWork;
    private volatile java.util.function.BooleanSupplier cancelled = () -> false;

    private ParameterServerClient(ClientContext context, Aeron shared) {
        this.context = context;
        this.ownsAeron = shared == null;
        this.jobId = JobIds.of(context.jobName());
        this.serverName = "parameter server at " + context.serverHost() + ":" + context.serverPort();
        EmbeddedMediaDriver embedded = null;
        Aeron client = null;
        try {
            if (shared != null) {
                client = shared;
            } else if (context.aeronDirectory() == null) {
                embedded = EmbeddedMediaDriver.launch("worker-" + context.workerId());
                client = embedded.aeron();
            } else {
                client = Aeron.connect(EmbeddedMediaDriver.clientContext(context.aeronDirectory()));
            }
            this.driver = embedded;
            this.aeron = client;
            this.publication = aeron.addExclusivePublication(
                    Channels.workerPublication(context.serverHost(), context.serverPort(), context.mtuBytes(),
                            context.termLength()), Channels.TO_SERVER_STREAM);
            this.ingress = new SessionSubscriptions(aeron, context.localHost(), 0, Channels.TO_WORKERS_STREAM);
            this.handshake = HandshakeSocket.bind(context.localHost(), 0);
        } catch (RuntimeException e) {
            if (embedded != null) {
                embedded.close();
            } else if (shared == null) {
                CloseHelper.quietClose(client);
            }
            throw e;
        }
        this.handshakeAddress = new java.net.InetSocketAddress(context.serverHost(), context.serverPort() + 1);
        this.helloAuthenticator = new MessageAuthenticator(context.secret());
        MessageAuthenticator sendAuth = new MessageAuthenticator(context.secret());
        this.sender = new MessageSender(publication, sendAuth, serverName);
        long maxBytes = (long) context.vectorLength() * Float.BYTES;
        this.validator = new MessageValidator(new MessageAuthenticator(context.secret()), jobId, maxBytes,
                Ports.chunkBytes(context.mtuBytes()), 0, false);
        this.frames = new SingleFrameHandler(this::onMessage, () -> refusedCounts.merge(Refusal.FRAGMENTED, 1L, Long::sum));
        this.averaged = new float[context.vectorLength()];
        this.residual = context.compression() == io.averon.ps.protocol.Encoding.FLOAT32 ? null
                : new float[context.vectorLength()];
        this.averagedChunks = new ChunkAssembler(averaged);
        this.heartbeat = new Thread(this::heartbeatLoop, "averon-ps-heartbeat-" + context.workerId());
        this.heartbeat.setDaemon(true);
    }

    /** Connects (nothing is sent until {@link #join}). */
    public static ParameterServerClient connect(ClientContext context) {
        return new ParameterServerClient(context, null);
    }

    /**
     * Connects through {@code aeron}, an Aeron client the caller owns and closes after this client
     * (several connections of one worker share one; {@link ClientContext#aeronDirectory()} is then unused).
     */
    public static ParameterServerClient connect(ClientContext context, Aeron aeron) {
        return new ParameterServerClient(context, aeron);
    }

    /**
     * Registers this worker (model fingerprint included) and starts heartbeating.
     *
     * @return the server's last closed round: this worker's first push is for that round + 1
     */
    public long join() {
        return join(false).round();
    }

    /**
     * As {@link #join()}; with {@code fetchGlobal} the server also sends the last closed round's
     * global vector (parameters, and updater state if it was averaged), so a relaunched worker
     * resumes from it. {@code global} is null when no round has closed yet.
     */
    @Override
    public Joined join(boolean fetchGlobal) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(context.connectTimeoutMs());
        while (true) {
            try {
                return joinOnce(fetchGlobal, deadline);
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

    /** How long a worker waits before joining again a server that serves another run. */
    static final long BUSY_RETRY_MS = 500;

    private Joined joinOnce(boolean fetchGlobal, long deadline) {
        joined = false; // (re)joining: heartbeats pause, and this join's answers set the server incarnation
        ackRound = -1;
        refusal = null;
        incarnation = 0;
        challengeNonce = 0;
        lastServerSequence = 0;
        globalFollows = false;
        averagedComplete = false;
        streamGap = false;
        session = io.averon.ps.protocol.Nonces.next();
        byte[] hello = helloPayload(localEndpoint());
        // HELLO travels as a plain UDP datagram to PORT + 1 and may be lost: repeat it until answered
        long nextHello = 0;
        while (challengeNonce == 0) {
            throwIfRefused("join");
            if (System.nanoTime() - nextHello >= 0) {
                sendHello(hello, 0);
                nextHello = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(HELLO_INTERVAL_MS);
            }
            if (handshake.poll(this::onHandshake, 16) == 0) {
                if (System.nanoTime() > deadline) {
                    throw new ParameterServerUnreachableException(serverName + " is unreachable (no answer to HELLO on "
                            + "UDP port " + (context.serverPort() + 1) + " before the deadline)");
                }
                idle.idle();
            }
        }
        // the server now reads this worker's publication: it connects, and the JOIN goes over it
        sender.offer().awaitConnected(publication, deadline);
        joinPayload.clear();
        joinPayload.putLong(context.parameterCount()).putLong(context.updaterStateCount()).put(context.configHash())
                .putLong(challengeNonce).putInt(sender.chunkBytes()).putLong(context.runId())
                .putInt(context.tasks());
        joinFlags = (fetchGlobal ? MessageHeader.FLAG_GLOBAL : 0) | (context.resume() ? MessageHeader.FLAG_RESUME : 0);
        // the server adds this worker's endpoint as a destination on the JOIN, so its first answer
        // may go out before the server's stream reaches this endpoint: the JOIN is sent again once
        // it does (then the answer arrives), and every JOIN_INTERVAL_MS while nothing answers
        long nextJoin = 0;
        boolean sentSinceImage = false;
        while (ackRound < 0) {
            throwIfRefused("join");
            boolean image = ingress.hasImage();
            if (System.nanoTime() - nextJoin >= 0 || image && !sentSinceImage) {
                sendJoin(joinFlags, deadline);
                nextJoin = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(JOIN_INTERVAL_MS);
                sentSinceImage = image;
            }
            pollUntil(deadline, "answer to JOIN (is this worker's endpoint reachable from the server?)");
        }
        while (globalFollows && !averagedComplete) {
            pollUntil(deadline, "global vector of round " + ackRound);
        }
        joined = true;
        if (!heartbeat.isAlive()) {
            heartbeat.start();
        }
        Averaged global = globalFollows
                ? new Averaged(ackRound, averaged, (int) (averagedChunks.totalLength() / Float.BYTES)) : null;
        return new Joined(ackRound, global);
    }

    /** How long the connection to the server may stay lost before a wait gives up (a server's heartbeat timeout). */
    static final long DISCONNECTED_GRACE_MS = 10_000;
    private long disconnectedSinceNs;

    /** How often a joining worker repeats its JOIN until the JOIN_ACK arrives. */
    static final long JOIN_INTERVAL_MS = 1000;

    private void sendJoin(int flags, long deadline) {
        sender.sendSmall(MessageType.JOIN, flags, jobId, incarnation, 0, context.workerId(), context.attempt(), session,
                joinPayload.array(), joinPayload.capacity(), deadline);
    }

    private void sendHello(byte[] hello, int flags) {
        int length = MessageHeader.writeSigned(helloMessage, helloAuthenticator, MessageType.HELLO, flags, jobId, 0, 0,
                context.workerId(), context.attempt(), session, sender.nextSequence(), hello, hello.length);
        handshake.send(helloMessage, length, handshakeAddress);
    }

    /** From now on this worker reads the stream of that server publication only (a new one after a server restart). */
    private void admitServerSession(int session) {
        if (session != serverSession) {
            if (serverSession != 0) {
                ingress.release(serverSession);
            }
            ingress.retain(session);
            serverSession = session;
        }
    }

    /** The CHALLENGE answering this join's HELLO, on the handshake socket; anything else there is dropped. */
    private void onHandshake(org.agrona.concurrent.UnsafeBuffer b, int length, java.net.SocketAddress source) {
        Refusal r = validator.validate(b, 0, length);
        if (r == null && MessageHeader.type(b, 0) != MessageType.CHALLENGE) {
            r = Refusal.BAD_TYPE;
        }
        if (r == null && MessageHeader.workerId(b, 0) != context.workerId()) {
            r = Refusal.BAD_WORKER_ID;
        }
        if (r == null && MessageHeader.session(b, 0) != session) {
            r = Refusal.STALE_SESSION;
        }
        if (r != null) {
            refusedCounts.merge(r, 1L, Long::sum);
            return;
        }
        if (challengeNonce == 0) { // a repeated CHALLENGE (the HELLO was repeated) changes nothing
            incarnation = MessageHeader.incarnation(b, 0); // the server run that challenged this join
            challengeNonce = b.getLong(MessageHeader.LENGTH, ByteOrder.LITTLE_ENDIAN);
            admitServerSession(b.getInt(MessageHeader.LENGTH + 8, ByteOrder.LITTLE_ENDIAN));
            lastServerSequence = 0; // the server's stream to this join numbers its messages from 1
        }
    }

    /** How often a joining worker repeats its HELLO until the CHALLENGE arrives. */
    static final long HELLO_INTERVAL_MS = 200;

    /** This worker's receive endpoint ({@code host:port}, the host as configured: what the server can reach). */
    String localEndpoint() {
        return context.localHost() + ":" + ingress.port();
    }

    private byte[] helloPayload(String endpoint) {
        byte[] host = endpoint.getBytes(StandardCharsets.UTF_8);
        if (host.length > MessageValidator.MAX_ENDPOINT) {
            throw new IllegalArgumentException("receive endpoint '" + endpoint + "' is longer than "
                    + MessageValidator.MAX_ENDPOINT + " bytes");
        }
        ByteBuffer hello = ByteBuffer.allocate(MessageValidator.HELLO_FIXED_PAYLOAD + host.length)
                .order(ByteOrder.LITTLE_ENDIAN);
        hello.putInt(publication.sessionId()).put(new byte[6]).putShort((short) host.length).put(host);
        return hello.array();
    }

    /** The Aeron client of this connection (e.g. for a worker's report publication to its driver). */
    @Override
    public Aeron aeron() {
        return aeron;
    }

    /**
     * Sends {@code values[0 .. count)} for {@code round} and waits for the averaged result.
     *
     * @param count       the parameter count, or parameters + updater state
     * @param sampleCount training examples behind this contribution (the averaging weight)
     * @param timeoutMs   the longest wait for the round to close (at least the server's round timeout)
     */

    /**
     * Sends {@code values[0 .. count)} for {@code round} and returns at once; {@link #awaitAveraged}
     * collects the result, whenever the caller next has time (e.g. after training on while the
     * round closes). Nothing the server sends meanwhile is lost, however long that takes.
     *
     * @param deadlineNs when to give up sending ({@link System#nanoTime()} based)
     */
    @Override
    public void push(long round, float[] values, int count, long sampleCount, boolean delta, long deadlineNs) {
        if (!joined) {
            throw new IllegalStateException("join() first");
        }
        if (count != context.parameterCount() && count != context.vectorLength()) {
            throw new IllegalArgumentException("count must be the parameter count " + context.parameterCount()
                    + " or parameters + updater state " + context.vectorLength() + ", got " + count);
        }
        RuntimeException failed = heartbeatFailure;
        if (failed != null) {
            throw failed;
        }
        awaitedRound = round;
        averagedComplete = false;
        refusal = null;
        averagedChunks.clear();
        nextRequestNs = System.nanoTime();
        // only the parameters' change is compressed: optimiser state spans many orders of magnitude (a
        // shared int8 scale would zero most of it), so a push that carries it goes as float32
        boolean compressed = delta && context.compression() != io.averon.ps.protocol.Encoding.FLOAT32
                && count == context.parameterCount();
        int flags = (count > context.parameterCount() ? MessageHeader.FLAG_UPDATER_STATE : 0)
                | (delta ? MessageHeader.FLAG_DELTA : 0) | (compressed ? context.compression().flag() : 0);
        sender.sendVector(MessageType.PUSH, flags, jobId, incarnation, round, context.workerId(), context.attempt(),
                session, sampleCount, values, compressed ? residual : null, count, deadlineNs);
    }

    /**
     * Waits for the averaged result of the round last {@link #push}ed, until {@code deadlineNs}. If
     * the server's stream lost messages (a gap in its sequence numbers: the stream was rebuilt
     * after a long silence), the worker asks again, repeating its JOIN for the last closed round's
     * global vector, until the round's result arrives.
     */
    @Override
    public Averaged awaitAveraged(long round, long deadlineNs) {
        while (true) {
            Averaged result = pollAveraged(round, deadlineNs);
            if (result != null) {
                return result;
            }
            if (lastPollWork == 0) {
                idle.idle();
            } else {
                idle.reset();
            }
        }
    }

    /**
     * One step of {@link #awaitAveraged}, for a caller that waits on several connections at once:
     * reads what has arrived and returns the round's result once complete, else null (the caller
     * idles). Throws as {@code awaitAveraged} does: a refusal, the deadline, a lost connection.
     */
    public Averaged pollAveraged(long round, long deadlineNs) {
        if (round != awaitedRound) {
            throw new IllegalStateException("round " + round + " was not pushed (the last push was for round "
                    + awaitedRound + ")");
        }
        if (!averagedComplete) {
            throwIfRefused("round " + round);
            if (streamGap && System.nanoTime() - nextRequestNs >= 0) {
                sendJoin(MessageHeader.FLAG_GLOBAL, deadlineNs); // the server answers once what it sent is all out
                nextRequestNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(JOIN_INTERVAL_MS);
            }
            lastPollWork = pollOnce(Long.MAX_VALUE, "averaged parameters for round " + round);
            if (lastPollWork == 0 && !averagedComplete && System.nanoTime() > deadlineNs) {
                // the server is connected (else pollOnce threw): the round did not close in time, or
                // its result could not reach this worker
                throw new RoundFailedException("worker " + context.workerId() + " did not receive the result of round "
                        + round + " from " + serverName + " within its wait (" + averagedChunks.receivedChunks()
                        + " of its chunks arrived); the server is connected: a worker that never pushed, or a stalled "
                        + "path from the server to this worker's endpoint " + localEndpoint());
            }
        }
        return averagedComplete ? new Averaged(round, averaged, (int) (averagedChunks.totalLength() / Float.BYTES))
                : null;
    }

    /** This join's session id (for tests that act as this worker). */
    long session() {
        return session;
    }

    /** Gaps seen in the server's stream (messages lost when it was rebuilt), since connecting. */
    public long streamGaps() {
        return streamGaps;
    }

    /** Messages from the server dropped by this client, by reason. */
    public Map<Refusal, Long> refusedCounts() {
        return new EnumMap<>(refusedCounts);
    }

    /**
     * Sends LEAVE (best effort), stops heartbeating and releases Aeron resources. A heartbeat that
     * found the server gone (not connected, closed) is reported by the next {@link #pushAndAwait}.
     */
    @Override
    public void close() {
        closing = true;
        heartbeat.interrupt();
        try {
            if (heartbeat.isAlive()) {
                heartbeat.join(TimeUnit.SECONDS.toMillis(5));
            }
            if (joined && publication.isConnected()) {
                sender.sendSmall(MessageType.LEAVE, 0, jobId, incarnation, 0, context.workerId(), context.attempt(),
                        session, null, 0, System.nanoTime() + TimeUnit.SECONDS.toNanos(1));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // leaving is a courtesy: the server also notices the missing heartbeats
        } finally {
            joined = false;
            handshake.close();
            ingress.close();
            if (driver != null) {
                driver.close();
            } else if (ownsAeron) {
                CloseHelper.quietClose(aeron);
            } else {
                CloseHelper.quietCloseAll(publication); // the shared Aeron client stays open for its owner
            }
        }
    }

    private void heartbeatLoop() {
        while (!closing) {
            try {
                Thread.sleep(context.heartbeatIntervalMs());
                if (joined && !closing) {
                    // best effort: back-pressure means our push is streaming to the server, which
                    // counts every message as a sign of life, so a skipped heartbeat costs nothing
                    sender.trySendEmpty(MessageType.HEARTBEAT, jobId, incarnation, context.workerId(), context.attempt(),
                            session);
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                heartbeatFailure = e;
                return;
            }
        }
    }

    /**
     * Makes every wait of this client give up (with a {@link ParameterServerException}) as soon as
     * {@code cancelled} says so, e.g. when Spark kills the task. A thread interrupt does the same.
     */
    @Override
    public void cancelWhen(java.util.function.BooleanSupplier cancelled) {
        this.cancelled = cancelled;
    }

    private void pollUntil(long deadline, String what) {
        if (pollOnce(deadline, what) == 0) {
            idle.idle();
        } else {
            idle.reset();
        }
    }

    /** Reads what has arrived; throws if cancelled, past the deadline with nothing read, or disconnected. */
    private int pollOnce(long deadline, String what) {
        if (Thread.currentThread().isInterrupted() || cancelled.getAsBoolean()) {
            throw new ParameterServerException("cancelled while waiting for " + what + " from " + serverName);
        }
        int work = ingress.poll(frames, 64);
        if (work == 0) {
            if (System.nanoTime() > deadline) {
                throw new ParameterServerUnreachableException("no " + what + " from " + serverName + " before the deadline");
            }
            if (publication.isConnected()) {
                disconnectedSinceNs = 0;
            } else if (disconnectedSinceNs == 0) {
                disconnectedSinceNs = System.nanoTime();
            } else if (System.nanoTime() - disconnectedSinceNs > TimeUnit.MILLISECONDS.toNanos(DISCONNECTED_GRACE_MS)) {
                // a starved media driver can miss Aeron's 5 s connection timeout for a moment; a gone
                // server stays gone
                throw new ParameterServerUnreachableException(serverName + " is unreachable (not connected for "
                        + DISCONNECTED_GRACE_MS / 1000 + " s)");
            }
        }
        return work;
    }

    private void throwIfRefused(String what) {
        if (refusal != null) {
            String reason = refusal;
            Refusal code = refusalCode;
            refusal = null;
            refusalCode = null;
            if (code == Refusal.ROUND_FAILED || code == Refusal.WRONG_ROUND) {
                throw new RoundFailedException(serverName + ": " + reason);
            }
            if (code == Refusal.BUSY) {
                throw new ServerBusyException(serverName + " refused " + what + ": " + reason);
            }
            throw new ParameterServerException(serverName + " refused " + what + ": " + reason);
        }
    }

    private void onMessage(DirectBuffer b, int offset, int length, Header header) {
        Refusal r = validator.validate(b, offset, length);
        if (r == null) {
            r = checkFreshness(b, offset);
        }
        if (r != null) {
            if (r != Refusal.BAD_WORKER_ID) { // BAD_WORKER_ID here: another worker's answer, not an attack
                refusedCounts.merge(r, 1L, Long::sum);
            }
            return;
        }
        MessageType type = MessageHeader.type(b, offset);
        int target = MessageHeader.workerId(b, offset);
        switch (type) {
            case JOIN_ACK -> {
                if (joined) { // the answer to a re-request after a gap: the global vector of this round follows
                    streamGap = false;
                    if ((MessageHeader.flags(b, offset) & MessageHeader.FLAG_GLOBAL) != 0
                            && b.getLong(offset + MessageHeader.LENGTH, ByteOrder.LITTLE_ENDIAN) == awaitedRound) {
                        averagedChunks.clear();
                    }
                } else if (ackRound < 0) {
                    globalFollows = (MessageHeader.flags(b, offset) & MessageHeader.FLAG_GLOBAL) != 0;
                    if (globalFollows) { // the AVERAGED may follow in this very poll
                        averagedChunks.clear();
                        awaitedRound = b.getLong(offset + MessageHeader.LENGTH, ByteOrder.LITTLE_ENDIAN);
                    }
                    ackRound = b.getLong(offset + MessageHeader.LENGTH, ByteOrder.LITTLE_ENDIAN);
                }
            }
            case REFUSED -> {
                long round = MessageHeader.round(b, offset);
                // only a refusal of what we are waiting for counts: a refusal of another round (e.g.
                // provoked by someone replaying our old messages) must not abort the current one
                if (ackRound < 0 ? target == context.workerId() : round == awaitedRound) {
                    int payload = offset + MessageHeader.LENGTH;
                    refusalCode = Refusal.ofCode(b.getShort(payload, ByteOrder.LITTLE_ENDIAN) & 0xffff);
                    byte[] text = new byte[MessageHeader.payloadLength(b, offset) - 2];
                    b.getBytes(payload + 2, text);
                    refusal = new String(text, StandardCharsets.UTF_8);
                }
            }
            case AVERAGED -> {
                if (MessageHeader.round(b, offset) == awaitedRound
                        && averagedChunks.onChunk(b, offset) == ChunkAssembler.Outcome.COMPLETE) {
                    averagedComplete = true;
                }
            }
            default -> refusedCounts.merge(Refusal.BAD_TYPE, 1L, Long::sum);
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
        if (addressed && target != context.workerId()) {
            return Refusal.BAD_WORKER_ID;
        }
        if (addressed && MessageHeader.session(b, offset) != session) {
            return Refusal.STALE_SESSION;
        }
        if (challengeNonce == 0 || type == MessageType.CHALLENGE) {
            return Refusal.BAD_TYPE; // a CHALLENGE comes on the handshake socket, before anything on the stream
        }
        if (MessageHeader.incarnation(b, offset) != incarnation) {
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
