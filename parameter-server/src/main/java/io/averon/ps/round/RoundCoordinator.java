package io.averon.ps.round;

import io.averon.ps.protocol.Refusal;

import java.util.Arrays;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * The synchronous averaging rounds of one training job: which workers are live, which contributions
 * are accepted, and when a round closes (with an exact, fixed-order, sample-weighted mean and the
 * {@linkplain OuterOptimizer outer optimizer}) or fails.
 *
 * <p><b>Threading:</b> an instance is owned by ONE thread (the server's duty-cycle agent) and has no
 * synchronization; every method must be called from that thread. There are no timers: time is
 * passed in as {@code nowMs}, from a monotonic clock, never decreasing, so tests control the clock.
 *
 * <p><b>Flow:</b> a worker {@link #join joins} (its staging buffer is allocated once, on its first
 * join) and pushes for round {@code lastClosedRound() + 1}. For each PUSH the transport calls
 * {@link #precheck}; if it returns null the transport writes the floats into {@link #staging} and
 * calls {@link #contribute}. The transport calls {@link #poll} on every duty cycle; a non-null
 * outcome ends the open round and opens the next one.
 *
 * <p><b>Liveness:</b> a worker whose last join, heartbeat or contribution is older than
 * {@code heartbeatTimeoutMs} (strictly) is declared dead at the next poll and no longer awaited; a
 * worker that {@link #leave leaves} is not awaited from that moment. Dead and departed workers must
 * join again: until then their heartbeats are ignored and their pushes refused {@code NOT_JOINED}.
 * A contribution they made to the open round before dying still counts.
 *
 * <p><b>Closing:</b> the open round closes when (a) startup is complete (the distinct workers that
 * joined since this coordinator started stand for at least {@code expectedWorkers} training tasks:
 * one each, or a hierarchical group's size for its leader), every live worker has contributed and
 * the contributions stand for at least {@code quorum} tasks; or (b) the round's wait has elapsed
 * since its first contribution (inclusive) with contributions for at least {@code quorum} tasks. The wait is {@code roundTimeoutMs}, or half the time from the round's opening to
 * its first contribution if that is longer: the others may train up to 1.5 times as long as the
 * fastest, so a long epoch between rounds never times out a worker that is merely slower, and a
 * worker that never contributes is noticed soon after the others did. It fails when the wait has
 * elapsed below the quorum. A round nobody has contributed to waits for its first contribution
 * (workers that die meanwhile are found by their silence). A failed round ends like a
 * closed one for numbering: {@link #lastClosedRound()} is the last round that ended either way.
 *
 * <p><b>Counting:</b> the coordinator counts nothing. What it decides on a call it returns (a
 * refusal, a {@link RoundOutcome}), and the workers it declares dead on its own clock it reports to
 * the {@code declaredDead} sink it was given; the caller keeps the counters (the server's
 * {@code ServerCounters}).
 *
 * <p><b>Restart:</b> the momentum buffer of a Nesterov outer optimizer is not persisted; a
 * coordinator restarted from a saved global starts with zero momentum.
 */
public final class RoundCoordinator {

    /**
     * Largest sample count one contribution may claim (2^36): with at most 2^17 workers the total
     * stays exactly representable in a double and never overflows.
     */
    public static final long MAX_SAMPLE_COUNT = 1L << 36;

    /**
     * Largest magnitude any contributed value may have: a parameter or optimiser state beyond it is
     * absurd for a trained network and would swamp the average (two pushes of 3e38 average to 3e38).
     */
    public static final float MAX_ABS_VALUE = 1e20f;

    private final RoundSettings settings;
    private final int parameterCount;
    private final int vectorLength;
    private final WorkerTable workers;
    private final GlobalVector global;
    private final IntConsumer declaredDead;

    private long lastClosedRound;
    private long openedAtMs;
    /** When the open round's first contribution was accepted; -1 before. */
    private long firstContributionAtMs = -1;
    /** Accepted contributors of the open round, ascending, in {@code [0, contributorCount)}. */
    private int[] contributors = new int[4];
    private int contributorCount;
    /** Training tasks the open round's contributors stand for (see {@link #join(int, int, long)}). */
    private int contributedTasks;
    private int roundValueCount = -1;
    private long roundSamples;

    /** Why the last contribution refused OUT_OF_BOUNDS or NOT_FINITE was, for the server's log. */
    private String lastRefusalDetail = "";

    /**
     * @param parameterCount    model parameters, {@code >= 1}
     * @param updaterStateCount updater-state values that may follow the parameters, {@code >= 0}
     * @param lastClosedRound   the last round that ended before this coordinator (0 for a new job,
     *                          or the saved round after a restart); the first open round is the next
     * @param initialGlobal     the global vector to start from (e.g. a {@link RoundStateStore} state),
     *                          of length {@code parameterCount} or {@code parameterCount +
     *                          updaterStateCount}, copied; null when there is none yet
     * @param nowMs             when the first round opens
     * @param declaredDead      told how many live workers a {@link #poll} declared dead for silence
     *                          (only when some were), e.g. to count them
     */
    public RoundCoordinator(RoundSettings settings, int parameterCount, int updaterStateCount, long lastClosedRound,
                            float[] initialGlobal, long nowMs, IntConsumer declaredDead) {
        if (settings == null) {
            throw new IllegalArgumentException("settings must not be null");
        }
        if (parameterCount < 1) {
            throw new IllegalArgumentException("parameterCount must be >= 1, got " + parameterCount);
        }
        if (updaterStateCount < 0) {
            throw new IllegalArgumentException("updaterStateCount must be >= 0, got " + updaterStateCount);
        }
        if ((long) parameterCount + updaterStateCount > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("parameterCount + updaterStateCount must fit in a Java array, got "
                    + parameterCount + " + " + updaterStateCount);
        }
        if (lastClosedRound < 0) {
            throw new IllegalArgumentException("lastClosedRound must be >= 0, got " + lastClosedRound);
        }
        if (declaredDead == null) {
            throw new IllegalArgumentException("declaredDead must not be null");
        }
        this.settings = settings;
        this.parameterCount = parameterCount;
        this.vectorLength = parameterCount + updaterStateCount;
        if (initialGlobal != null) {
            if (initialGlobal.length != parameterCount && initialGlobal.length != vectorLength) {
                throw new IllegalArgumentException("initialGlobal has " + initialGlobal.length + " values; expected "
                        + parameterCount + " (parameters) or " + vectorLength + " (parameters + updater state):"
                        + " was it saved for another model?");
            }
            for (int i = 0; i < initialGlobal.length; i++) {
                if (!Float.isFinite(initialGlobal[i])) {
                    throw new IllegalArgumentException("initialGlobal[" + i + "] is not finite: " + initialGlobal[i]);
                }
            }
        }
        this.workers = new WorkerTable(vectorLength);
        this.global = new GlobalVector(settings.outerOptimizer(), parameterCount, vectorLength, initialGlobal);
        this.lastClosedRound = lastClosedRound;
        this.openedAtMs = nowMs;
        this.declaredDead = declaredDead;
    }

    /**
     * The receive buffer of {@code workerId} (length {@link #vectorLength()}), allocated on its first
     * join and kept for its lifetime. Write a PUSH's floats here only after {@link #precheck} returned
     * null for it: otherwise a duplicate or early push would overwrite a contribution that was
     * accepted and is waiting for the round to close.
     *
     * @throws IllegalStateException if the worker never joined
     */
    public float[] staging(int workerId) {
        WorkerTable.Worker worker = workers.get(workerId);
        if (worker == null) {
            throw new IllegalStateException("worker " + workerId + " has not joined: no staging buffer");
        }
        return worker.staging;
    }

    /**
     * Registers (or re-registers, also after it was declared dead or left) {@code workerId} as live.
     * A rejoining worker (e.g. a relaunched task) starts over from the last closed round, so a
     * contribution it made to the open round before is withdrawn: it will push that round again.
     *
     * @return the last closed round: the worker's next push is for this plus one
     */
    public long join(int workerId, long nowMs) {
        return join(workerId, 1, nowMs);
    }

    /**
     * {@link #join(int, long)} for a worker that stands for {@code tasks} training tasks: the leader
     * of a hierarchical group, whose contributions are its group's sample-weighted mean. Startup
     * completes, and the quorum counts, in tasks.
     */
    public long join(int workerId, int tasks, long nowMs) {
        if (workerId < 0) {
            throw new IllegalArgumentException("workerId must be >= 0, got " + workerId);
        }
        if (tasks < 1 || tasks > settings.expectedWorkers()) {
            throw new IllegalArgumentException("worker " + workerId + " stands for " + tasks + " tasks; expected 1.."
                    + settings.expectedWorkers());
        }
        withdraw(workerId);
        workers.join(workerId, tasks, nowMs);
        if (contributors.length < workers.joinedCount()) {
            contributors = Arrays.copyOf(contributors, workers.joinedCount() * 2);
        }
        return lastClosedRound;
    }

    private void withdraw(int workerId) {
        WorkerTable.Worker worker = workers.get(workerId);
        if (worker == null || worker.contributedRound != openRound()) {
            return;
        }
        worker.contributedRound = -1;
        roundSamples -= worker.sampleCount;
        contributedTasks -= worker.tasks;
        int at = 0;
        while (contributors[at] != workerId) {
            at++;
        }
        System.arraycopy(contributors, at + 1, contributors, at, contributorCount - at - 1);
        contributorCount--;
        if (contributorCount == 0) {
            roundValueCount = -1;
        }
    }

    /** The global vector of the last closed round (valid up to {@link #globalCount()}); reused, do not keep. */
    public float[] globalValues() {
        return global.values();
    }

    /** How many leading values of {@link #globalValues()} are valid: 0 before the first closed round. */
    public int globalCount() {
        return global.validCount();
    }

    /** Keeps a live worker live; ignored for workers that are not joined (they must join again). */
    public void heartbeat(int workerId, long nowMs) {
        workers.heartbeat(workerId, nowMs);
    }

    /** The worker is no longer awaited, from now on; a contribution it already made still counts. */
    public void leave(int workerId, long nowMs) {
        workers.leave(workerId, nowMs);
    }

    /**
     * What {@link #contribute} would refuse before looking at the values: {@code NOT_JOINED},
     * {@code WRONG_ROUND} or {@code DUPLICATE}; null if the push may be written into
     * {@link #staging}. Changes and counts nothing.
     */
    public Refusal precheck(int workerId, long round) {
        WorkerTable.Worker worker = workers.get(workerId);
        if (worker == null || !worker.isLive()) {
            return Refusal.NOT_JOINED;
        }
        if (round != openRound()) {
            return Refusal.WRONG_ROUND;
        }
        if (worker.contributedRound == round) {
            return Refusal.DUPLICATE;
        }
        return null;
    }

    /**
     * Offers the contribution whose {@code valueCount} floats were written into {@link #staging}. It
     * counts as a heartbeat of a live worker, accepted or not.
     *
     * @return null if accepted, else why not (the caller counts it): NOT_JOINED,
     *         WRONG_ROUND (not the open round), DUPLICATE, BAD_LENGTH ({@code valueCount} neither the
     *         parameter count nor the vector length, or unlike this round's other contributions;
     *         {@code sampleCount} outside {@code 0 .. MAX_SAMPLE_COUNT}) or NOT_FINITE (a NaN or
     *         infinity among the values: the contribution is dropped entirely)
     */
    public Refusal contribute(int workerId, long round, long sampleCount, int valueCount, long nowMs) {
        Refusal refusal = precheck(workerId, round);
        WorkerTable.Worker worker = workers.get(workerId);
        if (refusal != Refusal.NOT_JOINED) {
            worker.lastSeenMs = nowMs;
        }
        if (refusal == null) {
            refusal = checkValues(worker, sampleCount, valueCount);
        }
        if (refusal != null) {
            return refusal;
        }
        worker.contributedRound = round;
        worker.sampleCount = sampleCount;
        if (firstContributionAtMs < 0) {
            firstContributionAtMs = nowMs;
        }
        roundValueCount = valueCount;
        roundSamples += sampleCount;
        contributedTasks += worker.tasks;
        int at = contributorCount;
        while (at > 0 && contributors[at - 1] > workerId) {
            contributors[at] = contributors[at - 1];
            at--;
        }
        contributors[at] = workerId;
        contributorCount++;
        return null;
    }

    private Refusal checkValues(WorkerTable.Worker worker, long sampleCount, int valueCount) {
        if (valueCount != parameterCount && valueCount != vectorLength
                || roundValueCount >= 0 && valueCount != roundValueCount
                || sampleCount < 0 || sampleCount > MAX_SAMPLE_COUNT) {
            return Refusal.BAD_LENGTH;
        }
        float[] values = worker.staging;
        for (int i = 0; i < valueCount; i++) {
            float v = values[i];
            if (!Float.isFinite(v)) {
                lastRefusalDetail = "value " + i + " is " + v;
                return Refusal.NOT_FINITE;
            }
            if (Math.abs(v) > MAX_ABS_VALUE) {
                lastRefusalDetail = "value " + i + " is " + v + ", beyond the bound of " + MAX_ABS_VALUE;
                return Refusal.OUT_OF_BOUNDS;
            }
        }
        if (settings.maxUpdateNorm() > 0 && global.validCount() >= parameterCount) {
            float[] base = global.values();
            double sum = 0;
            for (int i = 0; i < parameterCount; i++) {
                double d = (double) values[i] - base[i];
                sum += d * d;
            }
            double norm = Math.sqrt(sum);
            if (norm > settings.maxUpdateNorm()) {
                lastRefusalDetail = "update norm " + (float) norm + " exceeds maxUpdateNorm " + settings.maxUpdateNorm();
                return Refusal.OUT_OF_BOUNDS;
            }
        }
        return null;
    }

    /** What was wrong with the last contribution refused NOT_FINITE or OUT_OF_BOUNDS. */
    public String lastRefusalDetail() {
        return lastRefusalDetail;
    }

    /**
     * Declares silent workers dead, then ends the open round if it is due.
     *
     * @return null while the open round stays open; else how it ended, and the next round is open
     *         from {@code nowMs}
     */
    public RoundOutcome poll(long nowMs) {
        int dead = workers.declareSilentDead(nowMs, settings.heartbeatTimeoutMs());
        if (dead > 0) {
            declaredDead.accept(dead);
        }
        long waitMs = roundWaitMs();
        boolean timedOut = firstContributionAtMs >= 0 && nowMs - firstContributionAtMs >= waitMs;
        boolean quorate = contributedTasks >= settings.quorum();
        if (quorate && (timedOut || startupComplete() && workers.allLiveContributed(openRound()))) {
            return close(nowMs);
        }
        if (timedOut) {
            String reason = "round " + openRound() + " timed out " + waitMs + " ms after its first contribution, with "
                    + contributedTasks + " of " + settings.expectedWorkers() + " workers (quorum "
                    + settings.quorum() + "); missing workers " + workers.missing(openRound()) + neverJoined();
            return fail(nowMs, reason);
        }
        return null;
    }

    /** How long the open round waits after its first contribution (see the class comment). */
    private long roundWaitMs() {
        return firstContributionAtMs < 0 ? settings.roundTimeoutMs()
                : Math.max(settings.roundTimeoutMs(), (firstContributionAtMs - openedAtMs) / 2);
    }

    private boolean startupComplete() {
        return workers.joinedTasks() >= settings.expectedWorkers();
    }

    private RoundOutcome close(long nowMs) {
        int valueCount;
        if (roundSamples == 0) {
            if (global.validCount() == 0) {
                return fail(nowMs, "round " + openRound() + " had " + contributorCount + " contributions but no"
                        + " samples (all reported sampleCount 0) and there is no previous global vector to keep");
            }
            valueCount = Math.min(roundValueCount, global.validCount());
        } else {
            global.clearSources();
            for (int k = 0; k < contributorCount; k++) {
                WorkerTable.Worker worker = workers.get(contributors[k]);
                if (worker.sampleCount > 0) {
                    global.add(worker.staging, worker.sampleCount);
                }
            }
            global.average(roundValueCount, roundSamples);
            valueCount = roundValueCount;
        }
        RoundOutcome.Closed closed = new RoundOutcome.Closed(openRound(), global.values(), valueCount,
                Arrays.copyOf(contributors, contributorCount), roundSamples, nowMs - openedAtMs,
                workers.missing(openRound()));
        openNext(nowMs);
        return closed;
    }

    private RoundOutcome fail(long nowMs, String reason) {
        RoundOutcome.Failed failed = new RoundOutcome.Failed(openRound(), workers.missing(openRound()), reason);
        openNext(nowMs);
        return failed;
    }

    private void openNext(long nowMs) {
        lastClosedRound++;
        openedAtMs = nowMs;
        firstContributionAtMs = -1;
        contributorCount = 0;
        contributedTasks = 0;
        roundValueCount = -1;
        roundSamples = 0;
    }

    private String neverJoined() {
        int count = settings.expectedWorkers() - workers.joinedTasks();
        return count > 0 ? "; " + count + " of " + settings.expectedWorkers() + " expected workers never joined" : "";
    }

    /** The round contributions are accepted for: {@code lastClosedRound() + 1}. */
    public long openRound() {
        return lastClosedRound + 1;
    }

    /** The last round that ended, closed or failed (or the one given at construction). */
    public long lastClosedRound() {
        return lastClosedRound;
    }

    /** Live workers, ascending. */
    public List<Integer> liveWorkers() {
        return workers.live();
    }

    public int parameterCount() {
        return parameterCount;
    }

    /**
     * Turns a staged delta (values since the round-start global) into full values by adding the
     * current global to the first {@code valueCount} staged values. Call before {@link #contribute}.
     *
     * @return false if there is no global vector yet, or it holds fewer than {@code valueCount} values
     */
    public boolean addGlobalTo(int workerId, int valueCount) {
        if (global.validCount() < valueCount) {
            return false;
        }
        float[] staged = staging(workerId);
        float[] base = global.values();
        for (int i = 0; i < valueCount; i++) {
            staged[i] += base[i];
        }
        return true;
    }

    /** Parameters plus updater state: the length of every staging buffer and of the global vector. */
    public int vectorLength() {
        return vectorLength;
    }

    public RoundSettings settings() {
        return settings;
    }
}
