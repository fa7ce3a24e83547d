package io.averon.ps.round;

import org.agrona.collections.Int2ObjectHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Every worker a {@link RoundCoordinator} has seen since it started, with its staging buffer and
 * liveness. Workers are never removed, so a rejoin reuses the buffer. Owned by the coordinator's
 * thread; lookups by id do not box.
 */
final class WorkerTable {

    private static final Logger LOG = LoggerFactory.getLogger(WorkerTable.class);

    enum Status { LIVE, DEAD, LEFT }

    static final class Worker {
        final int id;
        final float[] staging;
        Status status = Status.LIVE;
        long lastSeenMs;
        /** The round this worker's accepted contribution is for; -1 if none yet. */
        long contributedRound = -1;
        /** When that contribution was accepted (its last chunk in). */
        long contributedAtMs;
        long sampleCount;
        /** Training tasks this worker stands for: 1, or a hierarchical group's size (its leader joins). */
        int tasks = 1;

        Worker(int id, int vectorLength) {
            this.id = id;
            this.staging = new float[vectorLength];
        }

        boolean isLive() {
            return status == Status.LIVE;
        }
    }

    private final int vectorLength;
    private final Int2ObjectHashMap<Worker> byId = new Int2ObjectHashMap<>();
    /** In first-join order. */
    private final ArrayList<Worker> all = new ArrayList<>();

    WorkerTable(int vectorLength) {
        this.vectorLength = vectorLength;
    }

    /** The worker, or null if it never joined. */
    Worker get(int id) {
        return byId.get(id);
    }

    /** Distinct workers that joined since this table was created. */
    int joinedCount() {
        return all.size();
    }

    /** Training tasks the distinct workers that joined stand for (each counted by its last join). */
    int joinedTasks() {
        int tasks = 0;
        for (int i = 0, n = all.size(); i < n; i++) {
            tasks += all.get(i).tasks;
        }
        return tasks;
    }

    /**
     * Registers or re-registers the worker as live, standing for {@code tasks} training tasks;
     * allocates its staging buffer on its first join.
     */
    void join(int id, int tasks, long nowMs) {
        Worker worker = byId.get(id);
        if (worker == null) {
            worker = new Worker(id, vectorLength);
            byId.put(id, worker);
            all.add(worker);
        }
        worker.status = Status.LIVE;
        worker.tasks = tasks;
        worker.lastSeenMs = nowMs;
    }

    void heartbeat(int id, long nowMs) {
        Worker worker = byId.get(id);
        if (worker != null && worker.isLive()) {
            worker.lastSeenMs = nowMs;
        }
    }

    void leave(int id, long nowMs) {
        Worker worker = byId.get(id);
        if (worker != null) {
            worker.status = Status.LEFT;
            worker.lastSeenMs = nowMs;
        }
    }

    /** Declares dead every live worker silent for more than {@code timeoutMs}; returns how many. */
    int declareSilentDead(long nowMs, long timeoutMs) {
        int declared = 0;
        for (int i = 0, n = all.size(); i < n; i++) {
            Worker worker = all.get(i);
            if (worker.isLive() && nowMs - worker.lastSeenMs > timeoutMs) {
                worker.status = Status.DEAD;
                declared++;
                LOG.info("Worker {} declared dead: silent for {} ms (heartbeatTimeoutMs {})",
                        worker.id, nowMs - worker.lastSeenMs, timeoutMs);
            }
        }
        return declared;
    }

    boolean allLiveContributed(long round) {
        for (int i = 0, n = all.size(); i < n; i++) {
            Worker worker = all.get(i);
            if (worker.isLive() && worker.contributedRound != round) {
                return false;
            }
        }
        return true;
    }

    /** Workers that did not leave and did not contribute to {@code round} (live or dead), ascending. */
    List<Integer> missing(long round) {
        List<Integer> missing = new ArrayList<>();
        for (Worker worker : all) {
            if (worker.status != Status.LEFT && worker.contributedRound != round) {
                missing.add(worker.id);
            }
        }
        missing.sort(null);
        return missing;
    }

    /** Live workers, ascending. */
    List<Integer> live() {
        List<Integer> live = new ArrayList<>();
        for (Worker worker : all) {
            if (worker.isLive()) {
                live.add(worker.id);
            }
        }
        live.sort(null);
        return List.copyOf(live);
    }
}
