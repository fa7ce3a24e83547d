package io.averon.ps;

import io.averon.ps.transport.Timeouts;

import java.util.concurrent.TimeUnit;

/**
 * A worker's background heartbeat: every interval, while joined, a HEARTBEAT to the server (best
 * effort: back-pressure means a push is streaming to the server, which counts every message as a
 * sign of life, so a skipped heartbeat costs nothing). A connection lost for longer than
 * {@link Timeouts#DISCONNECTED_GRACE_MS} (the receive side's grace: a starved media driver can
 * miss Aeron's connection timeout for a moment), or any other failure to send, ends the thread
 * and is reported to the worker's next push ({@link #throwIfFailed}).
 */
final class HeartbeatThread {

    private final WorkerSender sender;
    private final JoinSession join;
    private final long intervalMs;
    private final String serverName;
    private final Thread thread;
    private volatile boolean closing;
    private volatile RuntimeException failure;

    HeartbeatThread(WorkerSender sender, JoinSession join, long intervalMs, int workerId, String serverName) {
        this.sender = sender;
        this.serverName = serverName;
        this.join = join;
        this.intervalMs = intervalMs;
        this.thread = new Thread(this::run, "averon-ps-heartbeat-" + workerId);
        this.thread.setDaemon(true);
    }

    /** Starts heartbeating, once (a rejoin keeps the running thread: it beats while joined). */
    void start() {
        if (!thread.isAlive()) {
            thread.start();
        }
    }

    /** Throws what ended the heartbeat (e.g. the server went away), if anything did. */
    void throwIfFailed() {
        RuntimeException failed = failure;
        if (failed != null) {
            throw failed;
        }
    }

    /** Stops the thread and waits up to 5 s for it. */
    void stop() throws InterruptedException {
        closing = true;
        thread.interrupt();
        if (thread.isAlive()) {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        }
    }

    private void run() {
        long disconnectedSinceNs = 0;
        while (!closing) {
            try {
                Thread.sleep(intervalMs);
                if (!join.isJoined() || closing) {
                    continue;
                }
                if (sender.isConnected()) {
                    disconnectedSinceNs = 0;
                    sender.tryHeartbeat();
                } else if (disconnectedSinceNs == 0) {
                    disconnectedSinceNs = System.nanoTime();
                } else if (System.nanoTime() - disconnectedSinceNs
                        > TimeUnit.MILLISECONDS.toNanos(Timeouts.DISCONNECTED_GRACE_MS)) {
                    throw new ParameterServerUnreachableException(serverName + " is unreachable (not "
                            + "connected for " + Timeouts.DISCONNECTED_GRACE_MS / 1000 + " s)");
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                failure = e;
                return;
            }
        }
    }
}
