package io.averon.ps;

import io.averon.ps.protocol.MessageHeader;
import io.averon.ps.protocol.Payloads;
import io.averon.ps.protocol.Refusal;
import io.averon.ps.transport.Outbox;
import io.averon.ps.transport.Ports;
import org.agrona.DirectBuffer;

import java.net.SocketAddress;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * The server's side of joining (PROTOCOL.md, "Joining" and "Training runs"): answers a HELLO with
 * a CHALLENGE, and a JOIN that answers one with a JOIN_ACK once its run, chunk size, model and
 * task count pass, or with a REFUSED saying which did not. The sessions' state is
 * {@link WorkerSessions}'; the model and run are {@link ServerRounds}'. Owned by the agent thread.
 */
final class JoinHandshake {

    /** A repeated JOIN of the joined session is answered at most this often. */
    static final long REPEAT_ACK_MS = 500;

    private final ServerContext context;
    private final WorkerSessions sessions;
    private final ServerRounds rounds;
    private final ServerOutbound outbound;
    private final ServerCounters counters;
    private final int workers;
    private final Refusal[] refusal = new Refusal[1];
    /** When each worker was last sent a JOIN_ACK. */
    private final long[] lastAckMs;

    JoinHandshake(ServerContext context, WorkerSessions sessions, ServerRounds rounds, ServerOutbound outbound,
                  ServerCounters counters) {
        this.context = context;
        this.sessions = sessions;
        this.rounds = rounds;
        this.outbound = outbound;
        this.counters = counters;
        this.workers = context.rounds().expectedWorkers();
        this.lastAckMs = new long[workers];
        Arrays.fill(lastAckMs, Long.MIN_VALUE / 2); // never acknowledged (nanoTime-based clocks may be negative)
    }

    /**
     * A probe (flag bit 3) of {@code length} bytes: reachable, says a CHALLENGE of nonce 0 as long as
     * the probe, which also tells whether the join session's own HELLO arrived; nothing is kept.
     */
    void onProbe(int worker, long session, int length, SocketAddress source) {
        outbound.challenge(worker, session, 0, 0, sessions.pendingHelloBytes(worker, session), length, source);
    }

    /**
     * A checked HELLO of {@code length} bytes: opens or continues the worker's pending session, and
     * challenges it (unless a replay) with a CHALLENGE as long as the HELLO.
     */
    void onHello(int worker, long session, long sequence, int aeronSession, String endpoint, int length,
                 SocketAddress source) {
        long nonce = sessions.hello(worker, session, sequence, aeronSession, endpoint, length, ServerAgent.nowMs(),
                refusal);
        if (nonce == 0) {
            counters.refused(refusal[0]);
            return;
        }
        outbound.challenge(worker, session, nonce, sessions.pendingStreamSession(worker), length, length, source);
    }

    /** An authenticated JOIN of this server run (message at {@code offset} of {@code b}). */
    void onJoin(DirectBuffer b, int offset, int worker, long session, long sequence) {
        WorkerSessions.JoinKind kind = sessions.checkJoin(worker, session, sequence, Payloads.Join.nonce(b, offset),
                refusal);
        if (kind == null) {
            counters.refused(refusal[0]); // a replayed or late JOIN: nothing is registered, nobody is answered
            return;
        }
        boolean wantsGlobal = (MessageHeader.flags(b, offset) & MessageHeader.FLAG_GLOBAL) != 0;
        if (kind == WorkerSessions.JoinKind.REPEATED) {
            // the worker has not received its answer: while the answer is still queued (the worker's
            // endpoint has not connected, or is reading it) there is nothing to add; once all of it
            // was sent, the worker lost it (its stream was rebuilt) and asks again: answer at most
            // every REPEAT_ACK_MS, since an answer may carry the whole global vector
            // (after the rounds started over for a new run nothing is registered: the old run's worker
            // learns by its deadline and rejoins)
            Outbox outbox = sessions.joinedOutbox(worker);
            if (outbox != null && outbox.isIdle() && rounds.isRegistered()
                    && ServerAgent.nowMs() - lastAckMs[worker] >= REPEAT_ACK_MS) {
                acknowledge(worker, session, rounds.lastClosedRound(), wantsGlobal);
            }
            return;
        }
        long run = Payloads.Join.run(b, offset);
        if (run != rounds.currentRun()) {
            List<Integer> live = rounds.liveWorkers();
            if (!live.isEmpty()) {
                refuse(worker, session, Refusal.BUSY, "the parameter server is serving another training run, whose"
                        + " workers " + live + " are live; retry when they have left or are declared dead");
                return;
            }
            rounds.enterRun(run, (MessageHeader.flags(b, offset) & MessageHeader.FLAG_RESUME) != 0);
        }
        int chunkBytes = Ports.chunkBytes(context.mtuBytes());
        int workerChunkBytes = Payloads.Join.chunkBytes(b, offset);
        if (workerChunkBytes != chunkBytes) {
            refuse(worker, session, Refusal.CHUNK_MISMATCH, "worker " + worker + " cuts vectors into chunks of "
                    + workerChunkBytes + " bytes, this server into " + chunkBytes + ": give both the same MTU ("
                    + context.mtuBytes() + ")");
            return;
        }
        long parameters = Payloads.Join.parameterCount(b, offset);
        long updaterState = Payloads.Join.updaterStateCount(b, offset);
        byte[] hash = Payloads.Join.configHash(b, offset);
        if (rounds.model() == null && !registers(worker, session, parameters, updaterState, hash)) {
            return;
        }
        if (!rounds.model().accepts(parameters, updaterState, hash)) {
            refuse(worker, session, Refusal.MODEL_MISMATCH, "model mismatch: the server has " + rounds.model()
                    + ", worker " + worker + " has " + parameters + " parameters + " + updaterState
                    + " updater state (config " + HexFormat.of().formatHex(hash, 0, 6) + ")");
            return;
        }
        int tasks = Payloads.Join.tasks(b, offset);
        if (tasks < 1 || tasks > workers) {
            refuse(worker, session, Refusal.BAD_WORKER_ID, "worker " + worker + " stands for " + tasks
                    + " training tasks; this server expects " + workers + " in all");
            return;
        }
        sessions.promote(worker);
        acknowledge(worker, session, rounds.join(worker, tasks), wantsGlobal);
    }

    /** The first JOIN of a run registers its model, if within the server's limit; false if refused. */
    private boolean registers(int worker, long session, long parameters, long updaterState, byte[] hash) {
        if (parameters < 1 || updaterState < 0 || parameters + updaterState > context.maxVectorLength()) {
            refuse(worker, session, Refusal.MODEL_MISMATCH, "model of " + parameters + " parameters + " + updaterState
                    + " updater state exceeds this server's limit of " + context.maxVectorLength() + " floats");
            return false;
        }
        try {
            rounds.register(new ModelFingerprint(parameters, updaterState, hash));
            return true;
        } catch (ParameterServerException e) {
            refuse(worker, session, Refusal.MODEL_MISMATCH, e.getMessage());
            return false;
        }
    }

    private void acknowledge(int worker, long session, long lastClosed, boolean wantsGlobal) {
        lastAckMs[worker] = ServerAgent.nowMs();
        boolean sendGlobal = wantsGlobal && rounds.hasGlobal();
        outbound.joinAck(worker, session, lastClosed, sendGlobal);
        if (sendGlobal) {
            rounds.sendGlobal(worker, session); // a resuming worker starts from the last closed round's result
        }
    }

    private void refuse(int worker, long session, Refusal code, String reason) {
        counters.refused(code);
        outbound.refused(worker, session, 0, code, reason);
    }
}
