package io.averon.ps;

import io.averon.ps.protocol.ChunkAssembler;
import io.averon.ps.protocol.MessageHeader;
import io.averon.ps.protocol.MessageType;
import io.averon.ps.protocol.Refusal;
import io.averon.ps.round.RoundCoordinator;
import org.agrona.DirectBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds one {@link RoundCoordinator} (it lives as long as the coordinator: one registration of the
 * model) with the checked PUSH, HEARTBEAT and LEAVE messages of joined sessions: reassembles each
 * worker's push into its staging buffer, counts every refusal and tells the worker why, once per
 * round. Owned by the agent thread.
 */
final class CoordinatorFeed {

    private static final Logger LOG = LoggerFactory.getLogger(CoordinatorFeed.class);

    private final RoundCoordinator coordinator;
    private final WorkerSessions sessions;
    private final ServerOutbound outbound;
    private final ServerCounters counters;
    private final ChunkAssembler[] assemblers;
    /** The round in which each worker was last told its push was refused (tell once per round, not per chunk). */
    private final long[] toldRound;

    CoordinatorFeed(RoundCoordinator coordinator, int workers, WorkerSessions sessions, ServerOutbound outbound,
                    ServerCounters counters) {
        this.coordinator = coordinator;
        this.sessions = sessions;
        this.outbound = outbound;
        this.counters = counters;
        this.assemblers = new ChunkAssembler[workers];
        this.toldRound = new long[workers];
    }

    /** A worker, standing for {@code tasks} training tasks, (re)joins: returns the last closed round. */
    long join(int worker, int tasks, long nowMs) {
        long lastClosed = coordinator.join(worker, tasks, nowMs);
        if (assemblers[worker] == null) {
            assemblers[worker] = new ChunkAssembler(coordinator.staging(worker));
        }
        assemblers[worker].clear();
        return lastClosed;
    }

    /** A PUSH, HEARTBEAT or LEAVE of {@code worker}'s joined session, fresh and authenticated. */
    void onMessage(MessageType type, DirectBuffer b, int offset, int worker, long session) {
        long open = coordinator.openRound();
        if (type == MessageType.PUSH && MessageHeader.round(b, offset) != open) {
            long round = MessageHeader.round(b, offset);
            boolean tell = toldRound[worker] != round;
            toldRound[worker] = round;
            refuse(worker, round, Refusal.WRONG_ROUND, tell);
            return;
        }
        long now = ServerAgent.nowMs();
        coordinator.heartbeat(worker, now); // any authenticated message proves life (a long push included)
        switch (type) {
            case HEARTBEAT -> {
                if (coordinator.precheck(worker, open) == Refusal.NOT_JOINED) {
                    counters.refused(Refusal.NOT_JOINED);
                    outbound.refused(worker, session, open, Refusal.NOT_JOINED, notJoined(worker));
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
        ChunkAssembler assembler = assemblers[worker];
        ChunkAssembler.Outcome outcome = assembler.onChunk(b, offset);
        if (outcome == ChunkAssembler.Outcome.DUPLICATE) {
            counters.refused(Refusal.DUPLICATE);
        } else if (outcome == ChunkAssembler.Outcome.COMPLETE) {
            int values = (int) (assembler.totalLength() / Float.BYTES);
            LOG.debug("round {}: worker {} pushed {} values", round, worker, values);
            if ((MessageHeader.flags(b, offset) & MessageHeader.FLAG_DELTA) != 0
                    && !coordinator.addGlobalTo(worker, values)) {
                assembler.clear();
                refuse(worker, round, Refusal.BAD_LENGTH, false);
                outbound.refused(worker, sessions.joinedSession(worker), round, Refusal.BAD_LENGTH, "round " + round
                        + ": a delta needs a global vector to add to, and there is none yet; push full parameters first");
                return;
            }
            Refusal refused = coordinator.contribute(worker, round, MessageHeader.sampleCount(b, offset), values, now);
            assembler.clear();
            if (refused != null) {
                refuse(worker, round, refused, true);
            }
        }
    }

    /**
     * {@code skipped} messages of the worker's joined session never arrived (its stream was rebuilt
     * mid-stream): unless its contribution to the open round is already in, what it pushed cannot
     * complete. Rather than wait for it until the round times out, the server drops the partial
     * push, no longer awaits the worker (the round closes without it if the quorum allows) and tells
     * it why: its push fails at once, and it can rejoin.
     */
    void onLostMessages(int worker, long skipped) {
        long open = coordinator.openRound();
        if (coordinator.precheck(worker, open) != null) {
            return; // its contribution is in (only heartbeats followed it), or it is not awaited anyway
        }
        if (assemblers[worker] != null) {
            assemblers[worker].clear();
        }
        coordinator.leave(worker, ServerAgent.nowMs());
        String reason = "worker " + worker + ": " + skipped + " of its messages to the server were lost in transit"
                + " (its Aeron stream was rebuilt mid-stream), so its contribution to round " + open + " cannot"
                + " complete; the round no longer waits for it: rejoin";
        LOG.warn("{}", reason);
        toldRound[worker] = open;
        outbound.refused(worker, sessions.joinedSession(worker), open, Refusal.LOST_MESSAGES, reason);
    }

    /** Counts a refused push (a late one too) and, if {@code tellWorker}, tells the worker why. */
    private void refuse(int worker, long round, Refusal reason, boolean tellWorker) {
        counters.refused(reason);
        long open = coordinator.openRound();
        if (reason == Refusal.WRONG_ROUND && round < open) {
            counters.lateContributions.incrementAndGet();
        }
        if (tellWorker) {
            String detail = switch (reason) {
                case WRONG_ROUND -> "round " + round + " is not open (the open round is " + open + ")";
                case NOT_JOINED -> notJoined(worker);
                case NOT_FINITE, OUT_OF_BOUNDS -> "contribution to round " + round + " refused: " + reason + " ("
                        + coordinator.lastRefusalDetail() + ")";
                default -> "contribution to round " + round + " refused: " + reason;
            };
            if (reason == Refusal.NOT_FINITE || reason == Refusal.OUT_OF_BOUNDS) {
                LOG.warn("worker {}: {}", worker, detail);
            }
            outbound.refused(worker, sessions.joinedSession(worker), round, reason, detail);
        }
    }

    private static String notJoined(int worker) {
        return "worker " + worker + " is not joined (declared dead or left); rejoin";
    }
}
