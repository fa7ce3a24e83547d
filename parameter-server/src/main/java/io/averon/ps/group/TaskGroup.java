package io.averon.ps.group;

import io.aeron.Aeron;
import io.averon.ps.ParameterServerException;
import io.averon.ps.RoundClient;
import io.averon.ps.RoundFailedException;
import io.averon.ps.round.WeightedMean;
import org.agrona.CloseHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Training tasks of one job that share a JVM (a Spark executor's) and average among themselves
 * before anything crosses the network: hierarchical rounds (PROTOCOL.md, "Hierarchical rounds").
 * Each task holds a {@link Member}, a {@link RoundClient} like any other. Members hand their
 * vectors to the group (copied, so a member may train on while its round is averaged); the
 * group's relay thread forms their sample-weighted mean in ascending task order and is the only
 * thread that uses the upstream client (the parameter server's, or the leaders' sharded one),
 * which the group's leader connects and hands over with {@link #lead}. Every member receives the
 * upstream result. The group ends when its last member closes; it then closes the upstream client.
 */
public final class TaskGroup {

    private static final Logger LOG = LoggerFactory.getLogger(TaskGroup.class);
    private static final ConcurrentHashMap<String, TaskGroup> OPEN = new ConcurrentHashMap<>();
    private static final long WAIT_SLICE_NS = TimeUnit.MILLISECONDS.toNanos(100);

    private final String key;
    private final int size;
    private final long joinTimeoutMs;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final List<BooleanSupplier> cancellations = new CopyOnWriteArrayList<>();
    private final GroupRound round;

    // guarded by lock
    private RoundClient upstream;
    private RuntimeException failure;
    private RoundClient.Joined joined;
    private RoundClient.Averaged result;
    private final boolean[] joinRequested;
    private boolean fetchGlobal;
    private final boolean[] departed;
    private int openMembers;
    private Thread relay;

    private TaskGroup(String key, int size, long joinTimeoutMs) {
        this.key = key;
        this.size = size;
        this.joinTimeoutMs = joinTimeoutMs;
        this.round = new GroupRound(size);
        this.joinRequested = new boolean[size];
        this.departed = new boolean[size];
        this.openMembers = size;
    }

    /**
     * The group named {@code key} (unique per training run, stage attempt and JVM) of {@code size}
     * tasks, created by whichever member asks first; members wait up to {@code joinTimeoutMs} for
     * the leader's upstream connection and the group's join.
     */
    public static TaskGroup of(String key, int size, long joinTimeoutMs) {
        if (size < 1 || joinTimeoutMs < 1) {
            throw new IllegalArgumentException("a task group needs >= 1 member and a positive join timeout");
        }
        TaskGroup group = OPEN.computeIfAbsent(key, k -> new TaskGroup(k, size, joinTimeoutMs));
        if (group.size != size) {
            throw new IllegalArgumentException("task group " + key + " has " + group.size + " members, not " + size);
        }
        return group;
    }

    /** Member {@code index} ({@code 0 .. size - 1}; 0 is the leader) of this group. */
    public Member member(int index) {
        if (index < 0 || index >= size) {
            throw new IllegalArgumentException("member " + index + " of a group of " + size);
        }
        return new Member(index);
    }

    /** The leader hands over its upstream connection: the group's rounds start. */
    public void lead(RoundClient connected) {
        lock.lock();
        try {
            upstream = connected;
            connected.cancelWhen(this::cancelled);
            relay = new Thread(this::relay, "averon-group-" + key);
            relay.setDaemon(true);
            relay.start();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The leader could not connect upstream: every member's wait fails with {@code cause}. */
    public void fail(RuntimeException cause) {
        publish(() -> failure = failure == null ? cause : failure);
    }

    private boolean cancelled() {
        for (BooleanSupplier c : cancellations) {
            if (c.getAsBoolean()) {
                return true;
            }
        }
        return false;
    }

    /** The relay thread: the group's join, then per round: the members' mean up, the result down. */
    private void relay() {
        try {
            boolean fetch = awaitLocked(() -> allTrue(joinRequested) ? fetchGlobal : null, Long.MAX_VALUE, "joins");
            RoundClient.Joined j = upstream.join(fetch);
            publish(() -> joined = j);
            long last = j.round();
            while (true) {
                long next = last;
                GroupRound.Mean mean = awaitLocked(() -> round.ready(next, departed), Long.MAX_VALUE, "pushes");
                upstream.push(mean.round(), mean.values(), mean.count(), mean.samples(), mean.delta(), mean.deadlineNs());
                RoundClient.Averaged averaged = upstream.awaitAveraged(mean.round(), mean.deadlineNs());
                publish(() -> result = averaged);
                last = mean.round();
            }
        } catch (GroupStopped stopped) {
            // the last member closed
        } catch (RuntimeException e) {
            if (!isStopping()) {
                LOG.warn("task group {}: {}", key, e.getMessage());
                publish(() -> failure = failure == null ? e : failure);
            }
        }
    }

    private boolean isStopping() {
        lock.lock();
        try {
            return openMembers == 0;
        } finally {
            lock.unlock();
        }
    }

    private void publish(Runnable change) {
        lock.lock();
        try {
            change.run();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits under the lock until {@code ready} gives a value; throws the group's failure, on
     * cancellation, when the group stops, or past {@code deadlineNs}.
     */
    private <T> T awaitLocked(Supplier<T> ready, long deadlineNs, String what) {
        lock.lock();
        try {
            while (true) {
                T value = ready.get();
                if (value != null) {
                    return value;
                }
                if (failure != null) {
                    throw failure;
                }
                if (openMembers == 0) {
                    throw new GroupStopped();
                }
                if (cancelled() || Thread.currentThread().isInterrupted()) {
                    throw new ParameterServerException("task group " + key + ": cancelled while waiting for " + what);
                }
                long left = deadlineNs - System.nanoTime();
                if (left <= 0) {
                    throw new RoundFailedException("task group " + key + ": no " + what + " before the deadline");
                }
                changed.awaitNanos(Math.min(left, WAIT_SLICE_NS));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ParameterServerException("task group " + key + ": interrupted while waiting for " + what);
        } finally {
            lock.unlock();
        }
    }

    private static boolean allTrue(boolean[] flags) {
        for (boolean flag : flags) {
            if (!flag) {
                return false;
            }
        }
        return true;
    }

    private long joinDeadline() {
        return System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(joinTimeoutMs);
    }

    /** The group stopped (its last member closed) while its relay waited. */
    private static final class GroupStopped extends RuntimeException {
        private static final long serialVersionUID = 1L;

        GroupStopped() {
            super("task group stopped", null, false, false);
        }
    }

    /** One task's side of the group: a {@link RoundClient} whose rounds go through the group. */
    public final class Member implements RoundClient {
        private final int index;

        private Member(int index) {
            this.index = index;
        }

        @Override
        public Joined join(boolean fetch) {
            publish(() -> {
                joinRequested[index] = true;
                fetchGlobal |= fetch;
            });
            return awaitLocked(() -> joined, joinDeadline(), "join of the group's leader upstream (task 0 of " + key + ")");
        }

        @Override
        public void push(long roundNumber, float[] values, int count, long sampleCount, boolean delta, long deadlineNs) {
            publish(() -> round.put(index, roundNumber, values, count, sampleCount, delta, deadlineNs));
        }

        @Override
        public Averaged awaitAveraged(long roundNumber, long deadlineNs) {
            Averaged averaged = awaitLocked(() -> result != null && result.round() >= roundNumber ? result : null,
                    deadlineNs, "result for round " + roundNumber);
            if (averaged.round() != roundNumber) {
                throw new ParameterServerException("task group " + key + ": member " + index + " awaits round "
                        + roundNumber + " but the group closed round " + averaged.round());
            }
            return averaged;
        }

        @Override
        public void cancelWhen(BooleanSupplier cancelled) {
            cancellations.add(cancelled);
        }

        @Override
        public Aeron aeron() {
            return awaitLocked(() -> upstream, joinDeadline(), "upstream connection of the group's leader").aeron();
        }

        @Override
        public void close() {
            Thread stop;
            RoundClient connected;
            lock.lock();
            try {
                if (departed[index]) {
                    return;
                }
                departed[index] = true;
                openMembers--;
                changed.signalAll();
                if (openMembers > 0) {
                    return;
                }
                stop = relay;
                connected = upstream;
            } finally {
                lock.unlock();
            }
            OPEN.remove(key, TaskGroup.this);
            if (stop != null) {
                stop.interrupt();
                try {
                    stop.join(TimeUnit.SECONDS.toMillis(5));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            CloseHelper.quietClose(connected);
        }

        @Override
        public String toString() {
            return "member " + index + " of task group " + key + " (" + size + " tasks)";
        }
    }
}
