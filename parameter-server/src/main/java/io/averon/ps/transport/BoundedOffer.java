package io.averon.ps.transport;

import io.aeron.Publication;
import io.averon.ps.ParameterServerUnreachableException;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

import java.util.concurrent.TimeUnit;

/**
 * Offers a message with a deadline: back-pressure and admin actions are retried with an idle
 * strategy until the deadline; NOT_CONNECTED is retried for {@link Timeouts#DISCONNECTED_GRACE_MS} (within
 * the deadline); CLOSED and MAX_POSITION_EXCEEDED fail at once. Each failure is an exception naming
 * the unreachable endpoint.
 */
public final class BoundedOffer {

    private final IdleStrategy idle = new BackoffIdleStrategy();
    private final String peer;
    private final java.util.concurrent.atomic.AtomicLong retries = new java.util.concurrent.atomic.AtomicLong();

    /** @param peer what the publication reaches, for messages (e.g. "parameter server at host:port") */
    public BoundedOffer(String peer) {
        this.peer = peer;
    }

    /** Offers {@code [offset, offset + length)} of {@code buffer}, retrying back-pressure until {@code deadlineNs}. */
    public void offer(Publication publication, DirectBuffer buffer, int offset, int length, long deadlineNs) {
        idle.reset();
        long disconnectedSinceNs = 0;
        while (true) {
            long result = publication.offer(buffer, offset, length);
            if (result > 0) {
                return;
            }
            if (result == Publication.NOT_CONNECTED) {
                long now = System.nanoTime();
                if (disconnectedSinceNs == 0) {
                    disconnectedSinceNs = now;
                } else if (now - disconnectedSinceNs > TimeUnit.MILLISECONDS.toNanos(Timeouts.DISCONNECTED_GRACE_MS)) {
                    throw new ParameterServerUnreachableException(peer + " is unreachable (not connected for "
                            + Timeouts.DISCONNECTED_GRACE_MS / 1000 + " s)");
                }
            } else {
                disconnectedSinceNs = 0;
            }
            if (result == Publication.CLOSED) {
                throw new ParameterServerUnreachableException(peer + ": publication closed");
            }
            if (result == Publication.MAX_POSITION_EXCEEDED) {
                throw new ParameterServerUnreachableException(peer + ": publication reached its maximum position");
            }
            if (System.nanoTime() > deadlineNs) {
                throw new ParameterServerUnreachableException(peer + " did not accept a message before the deadline ("
                        + (result == Publication.NOT_CONNECTED ? "not connected" : "back-pressured") + ")");
            }
            retries.incrementAndGet();
            idle.idle();
        }
    }

    /**
     * Offers once: true if sent, false if back-pressured (or an admin action is in progress);
     * NOT_CONNECTED, CLOSED and MAX_POSITION_EXCEEDED throw as in {@link #offer}.
     */
    public boolean tryOffer(Publication publication, DirectBuffer buffer, int offset, int length) {
        long result = publication.offer(buffer, offset, length);
        if (result > 0) {
            return true;
        }
        if (result == Publication.BACK_PRESSURED || result == Publication.ADMIN_ACTION) {
            return false;
        }
        if (result == Publication.NOT_CONNECTED) {
            throw new ParameterServerUnreachableException(peer + " is unreachable (not connected)");
        }
        throw new ParameterServerUnreachableException(peer + ": publication "
                + (result == Publication.CLOSED ? "closed" : "reached its maximum position"));
    }

    /** Offers retried because of back-pressure or admin actions, since creation. */
    public long retries() {
        return retries.get();
    }

    /** Waits until {@code publication} is connected, or throws at {@code deadlineNs}. */
    public void awaitConnected(Publication publication, long deadlineNs) {
        idle.reset();
        while (!publication.isConnected()) {
            if (publication.isClosed()) {
                throw new ParameterServerUnreachableException(peer + ": publication closed");
            }
            if (System.nanoTime() > deadlineNs) {
                throw new ParameterServerUnreachableException(peer + " is unreachable (no connection before the deadline)");
            }
            idle.idle();
        }
    }
}
