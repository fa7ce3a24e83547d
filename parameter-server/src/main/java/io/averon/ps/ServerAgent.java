package io.averon.ps;

import io.aeron.ExclusivePublication;
import io.aeron.logbuffer.Header;
import io.averon.ps.protocol.ChunkAssembler;
import io.averon.ps.protocol.MessageAuthenticator;
import io.averon.ps.protocol.MessageHeader;
import io.averon.ps.protocol.MessageType;
import io.averon.ps.protocol.MessageValidator;
import io.averon.ps.protocol.Refusal;
import io.averon.ps.round.RoundCoordinator;
import io.averon.ps.round.RoundOutcome;
import io.averon.ps.round.RoundStateStore;
import io.averon.ps.transport.Destinations;
import io.averon.ps.transport.HandshakeSocket;
import io.averon.ps.transport.MessageSender;
import io.averon.ps.transport.SessionSubscriptions;
import io.averon.ps.transport.Ports;
import io.averon.ps.transport.SingleFrameHandler;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The parameter server's one thread: polls workers' messages, checks them (PROTOCOL.md order),
 * runs the join handshake ({@link WorkerSessions}), feeds the {@link RoundCoordinator}, and
 * broadcasts each round's result. Owns all mutable state.
 */
final class ServerAgent implements Agent {

    private static final Logger LOG = LoggerFactory.getLogger(ServerAgent.class);
    private static final int FRAGMENT_LIMIT = 64;

    private final ServerContext context;
    private final long jobId;
    private final long incarnation;
    private final SessionSubscriptions ingress;
    private final HandshakeSocket handshake;
    private final ExclusivePublication publication;
    private final Destinations destinations;
    private final UnsafeBuffer handshakeOut = new UnsafeBuffer(java.nio.ByteBuffer.allocateDirect(HandshakeSocket.MAX_DATAGRAM));
    private final RoundStateStore store;
    /** The saved state a restarted server resumes from; dropped when a new training run starts over. */
    private RoundStateStore.SavedState saved;
    /** The training run the rounds belong to; 0 until the first JOIN names one. */
    private long currentRun;
    private final ServerCounters counters;
    private final MessageAuthenticator receiveAuthenticator;
    private final MessageAuthenticator sendAuthenticator;
    /** Null until the model is registered (up front, or by the first JOIN). */
    private ModelFingerprint model;
    private RoundCoordinator coordinator;
    private MessageValidator validator;
    private final MessageSender sender;
    private final WorkerSessions sessions;
    private final ChunkAssembler[] assemblers;
    /** The round in which each worker was last told its push was refused (tell once per round, not per chunk). */
    private final long[] toldRound;
    private final SingleFrameHandler frames;
    private final byte[] smallPayload = new byte[MessageValidator.MAX_REASON];
    private final Refusal[] refusal = new Refusal[1];
    private final int workers;
    private long nextExpiryMs;
    /** When each worker was last sent a JOIN_ACK (a repeated JOIN is answered at most every REPEAT_ACK_MS). */
    private final long[] lastAckMs;
    static final long REPEAT_ACK_MS = 500;

    ServerAgent(ServerContext context, long incarnation, SessionSubscriptions ingress, HandshakeSocket handshake,
                ExclusivePublication publication, RoundStateStore store, RoundStateStore.SavedState saved,
                ServerCounters counters) {
        this.context = context;
        this.jobId = JobIds.of(context.jobName());
        this.incarnation = incarnation;
        this.ingress = ingress;
        this.handshake = handshake;
        this.publication = publication;
        this.destinations = new Destinations(publication);
        this.store = store;
        this.saved = saved;
        this.counters = counters;
        this.workers = context.rounds().expectedWorkers();
        this.sessions = new WorkerSessions(workers, ingress, destinations);
        this.assemblers = new ChunkAssembler[workers];
        this.toldRound = new long[workers];
        this.lastAckMs = new long[workers];
        Arrays.fill(lastAckMs, Long.MIN_VALUE / 2); // never acknowledged (nanoTime-based clocks may be negative)
        this.frames = new SingleFrameHandler(this::onMessage, () -> counters.refused(Refusal.FRAGMENTED));
        this.receiveAuthenticator = new MessageAuthenticator(context.secret());
        // before registration only HELLOs and JOINs can pass: no vector payload is allowed at all
        this.validator = new MessageValidator(receiveAuthenticator, jobId, 0, chunkBytes(), workers, true);
        this.sendAuthenticator = new MessageAuthenticator(context.secret());
        this.sender = new MessageSender(publication, sendAuthenticator, "workers of job " + context.jobName());
        counters.lastClosedRound.set(saved == null ? 0 : saved.round());
        counters.offer = sender.offer();
        if (context.model() != null) {
            register(context.model());
        }
    }

    /** Sizes everything from the registered model: receive limits, the coordinator and its buffers. */
    private void register(ModelFingerprint fingerprint) {
        if (saved != null && saved.values().length != fingerprint.parameterCount()
                && saved.values().length != fingerprint.vectorLength()) {
            throw new ParameterServerException("state in " + context.stateDirectory() + " holds " + saved.values().length
                    + " values, but the model has " + fingerprint + "; use another --state-dir");
        }
        model = fingerprint;
        validator = new MessageValidator(receiveAuthenticator, jobId, (long) fingerprint.vectorLength() * Float.BYTES,
                chunkBytes(), workers, true);
        coordinator = new RoundCoordinator(context.rounds(), (int) fingerprint.parameterCount(),
                (int) fingerprint.updaterStateCount(), saved == null ? 0 : saved.round(),
                saved == null ? null : saved.values(), nowMs());
        LOG.info("model registered: {}", fingerprint);
    }

    /**
     * A new training run, after another one ended: the rounds start again from 0 with no global
     * vector, and the model is registered again (up front, or by this JOIN).
     */
    private void startOver() {
        LOG.info("a new training run joins after run {} ended: rounds start over from 0", Long.toHexString(currentRun));
        saved = null;
        coordinator = null;
        model = null;
        Arrays.fill(assemblers, null);
        Arrays.fill(toldRound, 0);
        counters.lastClosedRound.set(0);
        validator = new MessageValidator(receiveAuthenticator, jobId, 0, chunkBytes(), workers, true);
        if (context.model() != null) {
            register(context.model());
        }
    }

    @Override
    public String roleName() {
        return "averon-parameter-server";
    }

    private int chunkBytes() {
        return Ports.chunkBytes(context.mtuBytes());
    }

    @Override
    public int doWork() {
        int work = handshake.poll(this::onHandshake, FRAGMENT_LIMIT) + ingress.poll(frames, FRAGMENT_LIMIT);
        long now = nowMs();
        if (now >= nextExpiryMs) {
            sessions.expire(now);
            nextExpiryMs = now + 1000;
        }
        counters.destinations.set(destinations.count());
        counters.admittedSessions.set(ingress.count());
        counters.handshakeBytesIn.set(handshake.bytesReceived());
        counters.handshakeBytesOut.set(handshake.bytesSent());
        if (coordinator == null) {
            return work;
        }
        RoundOutcome outcome = coordinator.poll(nowMs());
        if (outcome instanceof RoundOutcome.Closed closed) {
            onClosed(closed);
            work++;
        } else if (outcome instanceof RoundOutcome.Failed failed) {
            counters.roundsFailed.incrementAndGet();
            LOG.warn("{}", failed.reason());
            sendRefused(MessageHeader.SERVER_ID, MessageHeader.NO_SESSION, failed.round(), Refusal.ROUND_FAILED,
                    failed.reason());
            work++;
        }
        return work;
    }

    @Override
    public void onClose() {
        CloseHelper.quietCloseAll(publication, ingress, handshake);
    }

    private void onClosed(RoundOutcome.Closed closed) {
        if (store != null) {
            store.save(closed.round(), incarnation, closed.global(), closed.valueCount());
        }
        sendAveraged(closed.round(), closed.global(), closed.valueCount(), closed.totalSamples());
        // While this thread was sending, it read nothing: the contributors' heartbeats are waiting
        // unread, so the silence is ours, not theirs.
        long now = nowMs();
        for (int worker : closed.contributors()) {
            coordinator.heartbeat(worker, now);
        }
        counters.roundsClosed.incrementAndGet();
        counters.lastClosedRound.set(closed.round());
        counters.lastRoundLatencyMs.set(closed.latencyMs());
        counters.totalRoundLatencyMs.addAndGet(closed.latencyMs());
        LOG.debug("round {} closed: workers {}, {} samples, {} ms", closed.round(), Arrays.toString(closed.contributors()),
                closed.totalSamples(), closed.latencyMs());
    }

    private void sendAveraged(long round, float[] values, int count, long samples) {
        int flags = count > model.parameterCount() ? MessageHeader.FLAG_UPDATER_STATE : 0;
        try {
            sender.sendVector(MessageType.AVERAGED, flags, jobId, incarnation, round, MessageHeader.SERVER_ID, 0,
                    MessageHeader.NO_SESSION, samples, values, count, deadline(context.sendTimeoutMs()));
            counters.bytesOut.addAndGet((long) count * Float.BYTES);
        } catch (ParameterServerUnreachableException e) {
            LOG.warn("round {}: could not send the averaged parameters: {}", round, e.getMessage());
        }
    }

    private void onMessage(DirectBuffer b, int offset, int length, Header header) {
        counters.bytesIn.addAndGet(length);
        Refusal refused = validator.validate(b, offset, length);
        if (refused != null) {
            counters.refused(refused);
            return;
        }
        MessageType type = MessageHeader.type(b, offset);
        if (type == MessageType.REPORT || type == MessageType.REPORT_VECTOR) {
            counters.refused(Refusal.BAD_TYPE); // reports go to the training driver, not here
            return;
        }
        int worker = MessageHeader.workerId(b, offset);
        if (type == MessageType.HELLO) {
            counters.refused(Refusal.BAD_TYPE); // HELLOs come as UDP datagrams to PORT + 1, never on a stream
            return;
        }
        if (MessageHeader.incarnation(b, offset) != incarnation) {
            counters.refused(Refusal.WRONG_INCARNATION);
            return; // another server run's message: its JOIN is stale, its worker learns by its deadline and rejoins
        }
        long session = MessageHeader.session(b, offset);
        long sequence = MessageHeader.sequence(b, offset);
        if (type == MessageType.JOIN) {
            onJoin(b, offset, worker, session, sequence);
            return;
        }
        refused = sessions.check(worker, session, sequence);
        if (refused != null) {
            counters.refused(refused);
            return;
        }
        if (coordinator == null) {
            counters.refused(Refusal.NOT_JOINED);
            return;
        }
        if (type == MessageType.PUSH && MessageHeader.round(b, offset) != coordinator.openRound()) {
            long round = MessageHeader.round(b, offset);
            boolean tell = toldRound[worker] != round;
            toldRound[worker] = round;
            refuse(worker, round, Refusal.WRONG_ROUND, tell);
            return;
        }
        long now = nowMs();
        coordinator.heartbeat(worker, now); // any authenticated message proves life (a long push included)
        switch (type) {
            case HEARTBEAT -> {
                if (coordinator.precheck(worker, coordinator.openRound()) == Refusal.NOT_JOINED) {
                    counters.refused(Refusal.NOT_JOINED);
                    sendRefused(worker, session, coordinator.openRound(), Refusal.NOT_JOINED, "worker " + worker
                            + " is not joined (declared dead or left); rejoin");
                }
            }
            case LEAVE -> {
                coordinator.leave(worker, now);
                sessions.leave(worker);
            }
            case PUSH -> onPush(b, offset, worker, now);
            default -> counters.refused(Refusal.BAD_TYPE);
        }
    }

    /**
     * A datagram on the handshake port: only a HELLO, checked like every message; the answer, a
     * CHALLENGE, goes back to the datagram's source and is never larger than the HELLO.
     */
    private void onHandshake(UnsafeBuffer b, int length, java.net.SocketAddress source) {
        Refusal refused = validator.validate(b, 0, length);
        if (refused == null && MessageHeader.type(b, 0) != MessageType.HELLO) {
            refused = Refusal.BAD_TYPE;
        }
        if (refused != null) {
            counters.refused(refused);
            return;
        }
        int worker = MessageHeader.workerId(b, 0);
        long session = MessageHeader.session(b, 0);
        int payload = MessageHeader.LENGTH;
        int aeronSession = b.getInt(payload, ByteOrder.LITTLE_ENDIAN);
        int endpointLength = b.getShort(payload + 10, ByteOrder.LITTLE_ENDIAN);
        if (endpointLength != MessageHeader.payloadLength(b, 0) - MessageValidator.HELLO_FIXED_PAYLOAD) {
            counters.refused(Refusal.BAD_LENGTH);
            return;
        }
        if ((MessageHeader.flags(b, 0) & MessageHeader.FLAG_PROBE) != 0) {
            answerHandshake(MessageType.CHALLENGE, worker, session, 0, source); // reachable; nothing is kept
            return;
        }
        String endpoint = b.getStringWithoutLengthUtf8(payload + MessageValidator.HELLO_FIXED_PAYLOAD, endpointLength);
        long nonce = sessions.hello(worker, session, MessageHeader.sequence(b, 0), aeronSession, endpoint, nowMs(),
                refusal);
        if (nonce == 0) {
            counters.refused(refusal[0]);
            return;
        }
        answerHandshake(MessageType.CHALLENGE, worker, session, nonce, source);
    }

    private void answerHandshake(MessageType type, int worker, long session, long nonce, java.net.SocketAddress to) {
        ByteBuffer challenge = ByteBuffer.wrap(smallPayload, 0, MessageValidator.CHALLENGE_PAYLOAD)
                .order(ByteOrder.LITTLE_ENDIAN);
        challenge.putLong(0, nonce).putInt(8, publication.sessionId());
        int length = MessageHeader.writeSigned(handshakeOut, sendAuthenticator, type, 0, jobId, incarnation, 0, worker,
                0, session, sender.nextSequence(), smallPayload, MessageValidator.CHALLENGE_PAYLOAD);
        handshake.send(handshakeOut, length, to);
    }

    private void onJoin(DirectBuffer b, int offset, int worker, long session, long sequence) {
        int payload = offset + MessageHeader.LENGTH;
        long parameters = b.getLong(payload, ByteOrder.LITTLE_ENDIAN);
        long updaterState = b.getLong(payload + 8, ByteOrder.LITTLE_ENDIAN);
        byte[] hash = new byte[32];
        b.getBytes(payload + 16, hash);
        WorkerSessions.JoinKind kind = sessions.checkJoin(worker, session, sequence,
                b.getLong(payload + 48, ByteOrder.LITTLE_ENDIAN), refusal);
        if (kind == null) {
            counters.refused(refusal[0]); // a replayed or late JOIN: nothing is registered, nobody is answered
            return;
        }
        if (kind == WorkerSessions.JoinKind.REPEATED) {
            // the JOIN_ACK was lost (sent before the worker's image existed); answer at most every
            // REPEAT_ACK_MS, since an answer may carry the whole global vector
            if (nowMs() - lastAckMs[worker] >= REPEAT_ACK_MS) {
                acknowledge(b, offset, worker, session, coordinator.lastClosedRound());
            }
            return;
        }
        long run = b.getLong(payload + 60, ByteOrder.LITTLE_ENDIAN);
        if (run != currentRun) {
            List<Integer> live = coordinator == null ? List.of() : coordinator.liveWorkers();
            if (!live.isEmpty()) {
                counters.refused(Refusal.BUSY);
                sendRefused(worker, session, 0, Refusal.BUSY, "the parameter server is serving another training run,"
                        + " whose workers " + live + " are live; retry when they have left or are declared dead");
                return;
            }
            if (currentRun != 0 && (MessageHeader.flags(b, offset) & MessageHeader.FLAG_RESUME) == 0) {
                startOver();
            }
            currentRun = run;
        }
        int workerChunkBytes = b.getInt(payload + 56, ByteOrder.LITTLE_ENDIAN);
        if (workerChunkBytes != chunkBytes()) {
            counters.refused(Refusal.CHUNK_MISMATCH);
            sendRefused(worker, session, 0, Refusal.CHUNK_MISMATCH, "worker " + worker + " cuts vectors into chunks of " + workerChunkBytes
                    + " bytes, this server into " + chunkBytes() + ": give both the same MTU (" + context.mtuBytes() + ")");
            return;
        }
        if (model == null) {
            if (parameters < 1 || updaterState < 0 || parameters + updaterState > context.maxVectorLength()) {
                counters.refused(Refusal.MODEL_MISMATCH);
                sendRefused(worker, session, 0, Refusal.MODEL_MISMATCH, "model of " + parameters + " parameters + " + updaterState
                        + " updater state exceeds this server's limit of " + context.maxVectorLength() + " floats");
                return;
            }
            try {
                register(new ModelFingerprint(parameters, updaterState, hash));
            } catch (ParameterServerException e) {
                counters.refused(Refusal.MODEL_MISMATCH);
                sendRefused(worker, session, 0, Refusal.MODEL_MISMATCH, e.getMessage());
                return;
            }
        }
        if (!model.accepts(parameters, updaterState, hash)) {
            counters.refused(Refusal.MODEL_MISMATCH);
            sendRefused(worker, session, 0, Refusal.MODEL_MISMATCH, "model mismatch: the server has " + model + ", worker " + worker + " has "
                    + parameters + " parameters + " + updaterState + " updater state (config " + shortHash(hash) + ")");
            return;
        }
        sessions.promote(worker);
        long lastClosed = coordinator.join(worker, nowMs());
        if (assemblers[worker] == null) {
            assemblers[worker] = new ChunkAssembler(coordinator.staging(worker));
        }
        assemblers[worker].clear();
        acknowledge(b, offset, worker, session, lastClosed);
    }

    private void acknowledge(DirectBuffer b, int offset, int worker, long session, long lastClosed) {
        if (!publication.isConnected()) {
            return; // no destination has answered its SETUP yet: the worker repeats its JOIN until answered
        }
        lastAckMs[worker] = nowMs();
        ByteBuffer ack = ByteBuffer.wrap(smallPayload, 0, 8).order(ByteOrder.LITTLE_ENDIAN);
        ack.putLong(0, lastClosed);
        boolean sendGlobal = (MessageHeader.flags(b, offset) & MessageHeader.FLAG_GLOBAL) != 0
                && coordinator.globalCount() > 0;
        sendSmall(MessageType.JOIN_ACK, sendGlobal ? MessageHeader.FLAG_GLOBAL : 0, worker, session, lastClosed,
                MessageValidator.JOIN_ACK_PAYLOAD);
        if (sendGlobal) {
            // a resuming worker starts from the last closed round's result; the others ignore it
            // (they wait for the open round)
            sendAveraged(lastClosed, coordinator.globalValues(), coordinator.globalCount(), 0);
            // while this thread was sending, it read nothing: the workers' heartbeats are waiting
            // unread, so the silence is ours, not theirs
            long now = nowMs();
            for (int live : coordinator.liveWorkers()) {
                coordinator.heartbeat(live, now);
            }
        }
    }

    private void onPush(DirectBuffer b, int offset, int worker, long now) {
        long round = MessageHeader.round(b, offset);
        // Before writing anything into the worker's staging buffer: an accepted contribution must
        // never be overwritten by a second push of the same round.
        Refusal early = coordinator.precheck(worker, round);
        if (early != null) {
            // a duplicate is only counted: the worker's accepted contribution stands and it keeps waiting
            boolean tell = early != Refusal.DUPLICATE && toldRound[worker] != round;
            if (tell) {
                toldRound[worker] = round;
            }
            refuse(worker, round, early, tell);
            return;
        }
        ChunkAssembler.Outcome outcome = assemblers[worker].onChunk(b, offset);
        if (outcome == ChunkAssembler.Outcome.DUPLICATE) {
            counters.refused(Refusal.DUPLICATE);
            return;
        }
        if (outcome == ChunkAssembler.Outcome.COMPLETE) {
            int values = (int) (assemblers[worker].totalLength() / Float.BYTES);
            LOG.debug("round {}: worker {} pushed {} values", round, worker, values);
            if ((MessageHeader.flags(b, offset) & MessageHeader.FLAG_DELTA) != 0
                    && !coordinator.addGlobalTo(worker, values)) {
                assemblers[worker].clear();
                refuse(worker, round, Refusal.BAD_LENGTH, false);
                sendRefused(worker, sessions.joinedSession(worker), round, Refusal.BAD_LENGTH, "round " + round + ": a delta needs a global vector to add to, and there is "
                        + "none yet; push full parameters first");
                return;
            }
            Refusal refused = coordinator.contribute(worker, round, MessageHeader.sampleCount(b, offset), values, now);
            assemblers[worker].clear();
            if (refused != null) {
                refuse(worker, round, refused, true);
            }
        }
    }

    private void refuse(int worker, long round, Refusal reason, boolean tellWorker) {
        counters.refused(reason);
        long open = coordinator.openRound();
        if (reason == Refusal.WRONG_ROUND && round < open) {
            counters.lateContributions.incrementAndGet();
        }
        if (tellWorker) {
            String detail = switch (reason) {
                case WRONG_ROUND -> "round " + round + " is not open (the open round is " + open + ")";
                case NOT_JOINED -> "worker " + worker + " is not joined (declared dead or left); rejoin";
                case NOT_FINITE, OUT_OF_BOUNDS -> "contribution to round " + round + " refused: " + reason + " ("
                        + coordinator.lastRefusalDetail() + ")";
                default -> "contribution to round " + round + " refused: " + reason;
            };
            if (reason == Refusal.NOT_FINITE || reason == Refusal.OUT_OF_BOUNDS) {
                LOG.warn("worker {}: {}", worker, detail);
            }
            sendRefused(worker, sessions.joinedSession(worker), round, reason, detail);
        }
    }

    /** A REFUSED to {@code worker}'s {@code session} (or to every worker: SERVER_ID, NO_SESSION). */
    private void sendRefused(int worker, long session, long round, Refusal code, String reason) {
        byte[] text = reason.getBytes(StandardCharsets.UTF_8);
        int length = Math.min(text.length, MessageValidator.MAX_REASON - 2);
        smallPayload[0] = (byte) code.code();
        smallPayload[1] = (byte) (code.code() >>> 8);
        System.arraycopy(text, 0, smallPayload, 2, length);
        sendSmall(MessageType.REFUSED, 0, worker, session, round, length + 2);
    }

    private void sendSmall(MessageType type, int flags, int worker, long session, long round, int length) {
        try {
            sender.sendSmall(type, flags, jobId, incarnation, round, worker, 0, session, smallPayload, length,
                    deadline(1000));
        } catch (ParameterServerUnreachableException e) {
            LOG.warn("could not send {} to worker {}: {}", type, worker, e.getMessage());
        }
    }

    /** The coordinator's clock: steady (never jumps with the wall clock), in milliseconds. */
    static long nowMs() {
        return System.nanoTime() / 1_000_000;
    }

    private static long deadline(long ms) {
        return System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
    }

    private static String shortHash(byte[] hash) {
        return HexFormat.of().formatHex(hash, 0, 6);
    }
}
