package io.averon.ps;

import io.aeron.Aeron;
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
import io.averon.ps.transport.Channels;
import io.averon.ps.transport.HandshakeSocket;
import io.averon.ps.transport.Outbox;
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

/**
 * The parameter server's one thread: polls workers' messages, checks them (PROTOCOL.md order),
 * runs the join handshake ({@link WorkerSessions}), feeds the {@link RoundCoordinator}, and queues
 * each round's result on every worker's own stream ({@link Outbox}), which it drains in its duty
 * cycle: it never waits for a worker, so a worker that reads slowly holds up nobody else and
 * loses nothing. Owns all mutable state.
 */
final class ServerAgent implements Agent {

    private static final Logger LOG = LoggerFactory.getLogger(ServerAgent.class);
    private static final int FRAGMENT_LIMIT = 64;

    private final ServerContext context;
    private final long jobId;
    private final long incarnation;
    private final SessionSubscriptions ingress;
    private final HandshakeSocket handshake;
    private final Aeron aeron;
    /** Sequence numbers of the server's handshake datagrams (each stream numbers its own messages). */
    private long handshakeSequence;
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
                Aeron aeron, RoundStateStore store, RoundStateStore.SavedState saved, ServerCounters counters) {
        this.context = context;
        this.jobId = JobIds.of(context.jobName());
        this.incarnation = incarnation;
        this.ingress = ingress;
        this.handshake = handshake;
        this.aeron = aeron;
        this.store = store;
        this.saved = saved;
        this.counters = counters;
        this.workers = context.rounds().expectedWorkers();
        this.sendAuthenticator = new MessageAuthenticator(context.secret());
        this.sessions = new WorkerSessions(workers, ingress, (endpoint, stream) -> new Outbox(aeron, endpoint, stream,
                Channels.TO_WORKERS_STREAM, context.mtuBytes(), context.termLength(), sendAuthenticator, jobId,
                incarnation));
        this.assemblers = new ChunkAssembler[workers];
        this.toldRound = new long[workers];
        this.lastAckMs = new long[workers];
        Arrays.fill(lastAckMs, Long.MIN_VALUE / 2); // never acknowledged (nanoTime-based clocks may be negative)
        this.frames = new SingleFrameHandler(this::onMessage, () -> counters.refused(Refusal.FRAGMENTED));
        this.receiveAuthenticator = new MessageAuthenticator(context.secret());
        // before registration only HELLOs and JOINs can pass: no vector payload is allowed at all
        this.validator = new MessageValidator(receiveAuthenticator, jobId, 0, chunkBytes(), workers, true);
        counters.lastClosedRound.set(saved == null ? 0 : saved.round());
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
        int work = handshake.poll(this::onHandshake, FRAGMENT_LIMIT) + ingress.poll(frames, FRAGMENT_LIMIT)
                + sessions.drain(FRAGMENT_LIMIT);
        long now = nowMs();
        if (now >= nextExpiryMs) {
            sessions.expire(now);
            nextExpiryMs = now + 1000;
        }
        counters.destinations.set(sessions.streams());
        counters.sendBackPressured.set(sessions.backPressured());
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
        sessions.closeAll();
        CloseHelper.quietCloseAll(ingress, handshake);
    }

    private void onClosed(RoundOutcome.Closed closed) {
        if (store != null) {
            store.save(closed.round(), incarnation, closed.global(), closed.valueCount());
        }
        // the global vector has just changed: a stream still sending an older round's vector from it
        // must not go on with the new values under the old round number
        for (int worker = 0; worker < workers; worker++) {
            Outbox outbox = sessions.joinedOutbox(worker);
            if (outbox != null && outbox.dropVectors() > 0) {
                sendRefused(worker, sessions.joinedSession(worker), closed.round() - 1, Refusal.ROUND_FAILED,
                        "worker " + worker + " had not read the global vector of round " + (closed.round() - 1)
                                + " when round " + closed.round() + " closed without it; rejoin");
            }
        }
        for (int worker = 0; worker < workers; worker++) {
            queueAveraged(sessions.joinedOutbox(worker), worker, closed.round(), closed.global(), closed.valueCount(),
                    closed.totalSamples());
        }
        counters.roundsClosed.incrementAndGet();
        counters.lastClosedRound.set(closed.round());
        counters.lastRoundLatencyMs.set(closed.latencyMs());
        counters.totalRoundLatencyMs.addAndGet(closed.latencyMs());
        LOG.debug("round {} closed: workers {}, {} samples, {} ms", closed.round(), Arrays.toString(closed.contributors()),
                closed.totalSamples(), closed.latencyMs());
    }

    /** Queues a round's global vector on one worker's stream (nothing if the worker has none). */
    private void queueAveraged(Outbox outbox, int worker, long round, float[] values, int count, long samples) {
        if (outbox == null) {
            return;
        }
        int flags = count > model.parameterCount() ? MessageHeader.FLAG_UPDATER_STATE : 0;
        outbox.queueVector(MessageType.AVERAGED, flags, round, worker, sessions.joinedSession(worker), samples, values,
                count);
        counters.bytesOut.addAndGet((long) count * Float.BYTES);
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
        challenge.putLong(0, nonce).putInt(8, nonce == 0 ? 0 : sessions.pendingStreamSession(worker));
        int length = MessageHeader.writeSigned(handshakeOut, sendAuthenticator, type, 0, jobId, incarnation, 0, worker,
                0, session, ++handshakeSequence, smallPayload, MessageValidator.CHALLENGE_PAYLOAD);
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
            // the worker has not received its answer: while the answer is still queued (the worker's
            // endpoint has not connected, or is reading it) there is nothing to add; once all of it
            // was sent, the worker lost it (its stream was rebuilt) and asks again: answer at most
            // every REPEAT_ACK_MS, since an answer may carry the whole global vector
            Outbox outbox = sessions.joinedOutbox(worker);
            if (outbox != null && outbox.isIdle() && nowMs() - lastAckMs[worker] >= REPEAT_ACK_MS) {
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
        int tasks = b.getInt(payload + 68, ByteOrder.LITTLE_ENDIAN);
        if (tasks < 1 || tasks > workers) {
            counters.refused(Refusal.BAD_WORKER_ID);
            sendRefused(worker, session, 0, Refusal.BAD_WORKER_ID, "worker " + worker + " stands for " + tasks
                    + " training tasks; this server expects " + workers + " in all");
            return;
        }
        sessions.promote(worker);
        long lastClosed = coordinator.join(worker, tasks, nowMs());
        if (assemblers[worker] == null) {
            assemblers[worker] = new ChunkAssembler(coordinator.staging(worker));
        }
        assemblers[worker].clear();
        acknowledge(b, offset, worker, session, lastClosed);
    }

    private void acknowledge(DirectBuffer b, int offset, int worker, long session, long lastClosed) {
        lastAckMs[worker] = nowMs();
        ByteBuffer ack = ByteBuffer.wrap(smallPayload, 0, 8).order(ByteOrder.LITTLE_ENDIAN);
        ack.putLong(0, lastClosed);
        boolean sendGlobal = (MessageHeader.flags(b, offset) & MessageHeader.FLAG_GLOBAL) != 0
                && coordinator.globalCount() > 0;
        sendSmall(MessageType.JOIN_ACK, sendGlobal ? MessageHeader.FLAG_GLOBAL : 0, worker, session, lastClosed,
                MessageValidator.JOIN_ACK_PAYLOAD);
        if (sendGlobal) {
            // a resuming worker starts from the last closed round's result, sent to it alone
            queueAveraged(sessions.outbox(worker, session), worker, lastClosed, coordinator.globalValues(),
                    coordinator.globalCount(), 0);
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

    /**
     * Queues a small message on the stream of {@code worker}'s {@code session}; to every joined
     * worker when {@code worker} is SERVER_ID.
     */
    private void sendSmall(MessageType type, int flags, int worker, long session, long round, int length) {
        if (worker == MessageHeader.SERVER_ID) {
            for (int w = 0; w < workers; w++) {
                Outbox outbox = sessions.joinedOutbox(w);
                if (outbox != null) {
                    outbox.queueSmall(type, flags, round, worker, MessageHeader.NO_SESSION, smallPayload, length);
                }
            }
            return;
        }
        Outbox outbox = sessions.outbox(worker, session);
        if (outbox != null) {
            outbox.queueSmall(type, flags, round, worker, session, smallPayload, length);
        } else {
            LOG.debug("no stream to worker {} session {}: {} not sent", worker, session, type);
        }
    }

    /** The coordinator's clock: steady (never jumps with the wall clock), in milliseconds. */
    static long nowMs() {
        return System.nanoTime() / 1_000_000;
    }

    private static String shortHash(byte[] hash) {
        return HexFormat.of().formatHex(hash, 0, 6);
    }
}
