package io.averon.ps;

import io.averon.ps.protocol.MessageType;
import io.averon.ps.protocol.Refusal;
import io.averon.ps.round.RoundCoordinator;
import io.averon.ps.round.RoundOutcome;
import io.averon.ps.round.RoundStateStore;
import org.agrona.DirectBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;
import java.util.List;

/**
 * The server's round state: the registered model, the training run, and the
 * {@link RoundCoordinator} of that registration with its {@link CoordinatorFeed}. Registers a
 * model (up front or by a run's first JOIN), starts the rounds over for a new run, and ends rounds:
 * counts how they end ({@link ServerCounters}), persists closed ones, and hands every result to
 * {@link ServerOutbound}. Owned by the agent thread.
 */
final class ServerRounds {

    private static final Logger LOG = LoggerFactory.getLogger(ServerRounds.class);

    private final ServerContext context;
    private final long incarnation;
    private final RoundStateStore store;
    private final WorkerSessions sessions;
    private final ServerOutbound outbound;
    private final ServerCounters counters;
    private final int workers;
    /** The saved state a restarted server resumes from; dropped when a new training run starts over. */
    private RoundStateStore.SavedState saved;
    /** The training run the rounds belong to; 0 until the first JOIN names one. */
    private long currentRun;
    /** Null until the model is registered (up front, or by the first JOIN), with the coordinator. */
    private ModelFingerprint model;
    private RoundCoordinator coordinator;
    private CoordinatorFeed feed;
    /** The workers the last closed round left out (logged when this changes). */
    private List<Integer> lastExcluded = List.of();

    ServerRounds(ServerContext context, long incarnation, RoundStateStore store, RoundStateStore.SavedState saved,
                 WorkerSessions sessions, ServerOutbound outbound, ServerCounters counters) {
        this.context = context;
        this.incarnation = incarnation;
        this.store = store;
        this.saved = saved;
        this.sessions = sessions;
        this.outbound = outbound;
        this.counters = counters;
        this.workers = context.rounds().expectedWorkers();
        counters.lastClosedRound.set(saved == null ? 0 : saved.round());
        if (context.model() != null) {
            register(context.model());
        }
    }

    /** The registered model, or null before one is. */
    ModelFingerprint model() {
        return model;
    }

    /** Sizes the coordinator and its buffers from the model. */
    void register(ModelFingerprint fingerprint) {
        if (saved != null && saved.values().length != fingerprint.parameterCount()
                && saved.values().length != fingerprint.vectorLength()) {
            throw new ParameterServerException("state in " + context.stateDirectory() + " holds " + saved.values().length
                    + " values, but the model has " + fingerprint + "; use another --state-dir");
        }
        model = fingerprint;
        coordinator = new RoundCoordinator(context.rounds(), (int) fingerprint.parameterCount(),
                (int) fingerprint.updaterStateCount(), saved == null ? 0 : saved.round(),
                saved == null ? null : saved.values(), ServerAgent.nowMs(), counters.workersDeclaredDead::addAndGet);
        feed = new CoordinatorFeed(coordinator, workers, sessions, outbound, counters);
        LOG.info("model registered: {}", fingerprint);
    }

    /** The live workers of the current run, ascending (none before a model is registered). */
    List<Integer> liveWorkers() {
        return coordinator == null ? List.of() : coordinator.liveWorkers();
    }

    /**
     * A JOIN names {@code run}, with no worker of the current run live: a run after another one
     * starts over from round 0 with no global vector and the model registered again (up front, or
     * by this JOIN), unless it {@code resume}s the server's rounds.
     */
    void enterRun(long run, boolean resume) {
        if (run == currentRun) {
            return;
        }
        if (currentRun != 0 && !resume) {
            LOG.info("a new training run joins after run {} ended: rounds start over from 0", Long.toHexString(currentRun));
            saved = null;
            coordinator = null;
            feed = null;
            model = null;
            counters.lastClosedRound.set(0);
            if (context.model() != null) {
                register(context.model());
            }
        }
        currentRun = run;
    }

    long currentRun() {
        return currentRun;
    }

    /** A joined worker, standing for {@code tasks} training tasks, starts over: returns the last closed round. */
    long join(int worker, int tasks) {
        return feed.join(worker, tasks, ServerAgent.nowMs());
    }

    /** Whether a model is registered (and so rounds exist): up front, or by a run's first JOIN. */
    boolean isRegistered() {
        return coordinator != null;
    }

    long lastClosedRound() {
        return coordinator.lastClosedRound();
    }

    /** Whether a round has closed and left a global vector. */
    boolean hasGlobal() {
        return coordinator.globalCount() > 0;
    }

    /** Queues the last closed round's global vector to one worker's session (a resuming worker starts from it). */
    void sendGlobal(int worker, long session) {
        outbound.averaged(worker, session, coordinator.lastClosedRound(), coordinator.globalValues(),
                coordinator.globalCount(), coordinator.parameterCount(), 0);
    }

    /** A PUSH, HEARTBEAT or LEAVE of {@code worker}'s joined session, fresh and authenticated. */
    void onMessage(MessageType type, DirectBuffer b, int offset, int worker, long session) {
        if (feed == null) {
            counters.refused(Refusal.NOT_JOINED);
        } else {
            feed.onMessage(type, b, offset, worker, session);
        }
    }

    /** {@code skipped} messages of {@code worker}'s joined session were lost in transit. */
    void onLostMessages(int worker, long skipped) {
        counters.refused(Refusal.LOST_MESSAGES);
        if (feed != null) {
            feed.onLostMessages(worker, skipped);
        }
    }

    /** Lets the coordinator end the open round if it is due; returns 1 if a round ended, else 0. */
    int poll(long nowMs) {
        if (coordinator == null) {
            return 0;
        }
        RoundOutcome outcome = coordinator.poll(nowMs);
        if (outcome instanceof RoundOutcome.Closed closed) {
            onClosed(closed);
            return 1;
        }
        if (outcome instanceof RoundOutcome.Failed failed) {
            counters.roundsFailed.incrementAndGet();
            LOG.warn("{}", failed.reason());
            outbound.refusedToAll(failed.round(), Refusal.ROUND_FAILED, failed.reason());
            return 1;
        }
        return 0;
    }

    private void onClosed(RoundOutcome.Closed closed) {
        // counted before any worker can have the result: a reader that heard of the round from a worker sees it
        counters.roundLag(closed.round(), closed.contributors(), closed.lagMs());
        if (store != null) {
            store.save(closed.round(), incarnation, closed.global(), closed.valueCount());
        }
        // the global vector has just changed: a stream still sending an older round's vector from it
        // must not go on with the new values under the old round number
        for (int worker = 0; worker < workers; worker++) {
            var outbox = sessions.joinedOutbox(worker);
            if (outbox != null && outbox.dropVectors() > 0) {
                outbound.refused(worker, sessions.joinedSession(worker), closed.round() - 1, Refusal.ROUND_FAILED,
                        "worker " + worker + " had not read the global vector of round " + (closed.round() - 1)
                                + " when round " + closed.round() + " closed without it; rejoin");
            }
        }
        for (int worker = 0; worker < workers; worker++) {
            outbound.averaged(worker, sessions.joinedSession(worker), closed.round(), closed.global(),
                    closed.valueCount(), coordinator.parameterCount(), closed.totalSamples());
        }
        counters.roundsClosed.incrementAndGet();
        counters.workersExcluded.addAndGet(closed.excluded().size());
        if (!closed.excluded().equals(lastExcluded)) { // named when the set changes, not every round after
            if (!closed.excluded().isEmpty()) {
                LOG.warn("round {} closed without workers {} (quorum {} of {}): their contributions are not in it"
                                + " nor in any later round until they rejoin", closed.round(), closed.excluded(),
                        context.rounds().quorum(), workers);
            }
            lastExcluded = closed.excluded();
        }
        counters.lastClosedRound.set(closed.round());
        counters.lastRoundLatencyMs.set(closed.latencyMs());
        counters.totalRoundLatencyMs.addAndGet(closed.latencyMs());
        LOG.debug("round {} closed: workers {} (completed {} ms after the first), {} samples, {} ms", closed.round(),
                Arrays.toString(closed.contributors()), Arrays.toString(closed.lagMs()), closed.totalSamples(),
                closed.latencyMs());
    }
}
