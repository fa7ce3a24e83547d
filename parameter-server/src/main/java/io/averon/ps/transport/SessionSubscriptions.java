package io.averon.ps.transport;

import io.aeron.Aeron;
import io.aeron.Subscription;
import io.aeron.logbuffer.FragmentHandler;
import org.agrona.CloseHelper;
import org.agrona.collections.Int2IntHashMap;
import org.agrona.collections.Int2ObjectHashMap;

import java.security.SecureRandom;
import java.util.Arrays;

/**
 * The receiving side of an endpoint that takes only the Aeron sessions it was told about: one
 * session-specific subscription per admitted publication (reference counted), none for all
 * sessions. Aeron creates no image, and sends no status message, for a SETUP or DATA frame of any
 * other session, so a stranger's frames cost no log buffer and are not answered. A placeholder
 * subscription for a random session binds the endpoint from the start. Subscriptions are added
 * asynchronously ({@link #poll} picks them up once the media driver made them), so the owning
 * thread never waits for the media driver. Owned by one thread.
 */
public final class SessionSubscriptions implements AutoCloseable {

    private final Aeron aeron;
    private final String bindHost;
    private final int port;
    private final int streamId;
    private final int receiverWindowBytes;
    private final Subscription placeholder;
    /** Each admitted session's subscription, or its pending registration id (a {@code Long}) until made. */
    private final Int2ObjectHashMap<Object> bySession = new Int2ObjectHashMap<>();
    private final Int2IntHashMap references = new Int2IntHashMap(0);
    private Subscription[] active = new Subscription[0];
    private int pending;

    /**
     * @param port the port to bind; 0: a port that was free a moment ago ({@link #port()} tells which;
     *             Aeron matches later session subscriptions to the endpoint by its configured port,
     *             so an ephemeral port 0 cannot be shared)
     * @param receiverWindowBytes the receiver window of every session ({@link Ports#receiverWindowBytes}
     *             for the term length and MTU of the publications it admits)
     */
    public SessionSubscriptions(Aeron aeron, String bindHost, int port, int streamId, int receiverWindowBytes) {
        this.aeron = aeron;
        this.bindHost = bindHost;
        this.port = port == 0 ? freePort(bindHost) : port;
        this.streamId = streamId;
        this.receiverWindowBytes = receiverWindowBytes;
        this.placeholder = aeron.addSubscription(Channels.sessionSubscription(bindHost, this.port,
                new SecureRandom().nextInt(), receiverWindowBytes), streamId);
    }

    private static int freePort(String host) {
        try (java.net.DatagramSocket socket = new java.net.DatagramSocket(new java.net.InetSocketAddress(host, 0))) {
            return socket.getLocalPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot open a UDP socket on " + host, e);
        }
    }

    /** The bound port. */
    public int port() {
        return port;
    }

    /** Admits the publication of Aeron session {@code sessionId} (or counts one more reference to it). */
    public void retain(int sessionId) {
        int count = references.get(sessionId);
        if (count == 0) {
            Long registration = aeron.asyncAddSubscription(Channels.sessionSubscription(bindHost, port, sessionId,
                    receiverWindowBytes),
                    streamId);
            bySession.put(sessionId, registration);
            pending++;
        }
        references.put(sessionId, count + 1);
    }

    /** Drops one reference; the last one closes the session's subscription (and its image). */
    public void release(int sessionId) {
        int count = references.get(sessionId);
        if (count > 1) {
            references.put(sessionId, count - 1);
        } else if (count == 1) {
            references.remove(sessionId);
            Object entry = bySession.remove(sessionId);
            if (entry instanceof Subscription subscription) {
                active = Arrays.stream(active).filter(s -> s != subscription).toArray(Subscription[]::new);
                CloseHelper.quietClose(subscription); // asynchronous: the media driver is told, not waited for
            } else {
                pending--;
                aeron.asyncRemoveSubscription((Long) entry);
            }
        }
    }

    /** Picks up subscriptions the media driver has made since the last call. */
    private void resolvePending() {
        for (Int2ObjectHashMap<Object>.EntryIterator it = bySession.entrySet().iterator(); pending > 0 && it.hasNext(); ) {
            it.next();
            if (it.getValue() instanceof Long registration) {
                Subscription subscription = aeron.getSubscription(registration);
                if (subscription != null) {
                    it.setValue(subscription);
                    pending--;
                    active = Arrays.copyOf(active, active.length + 1);
                    active[active.length - 1] = subscription;
                }
            }
        }
    }

    /** Polls every admitted session once, at most {@code limit} fragments each. */
    public int poll(FragmentHandler handler, int limit) {
        if (pending > 0) {
            resolvePending();
        }
        int work = 0;
        for (Subscription subscription : active) {
            work += subscription.poll(handler, limit);
        }
        return work;
    }

    /** Whether an admitted session's stream has reached this endpoint (an image exists). */
    public boolean hasImage() {
        for (Subscription subscription : active) {
            if (subscription.imageCount() > 0) {
                return true;
            }
        }
        return false;
    }

    /** Sessions admitted now (their subscriptions made, or being made). */
    public int count() {
        return bySession.size();
    }

    @Override
    public void close() {
        for (Object entry : bySession.values()) {
            if (entry instanceof Subscription subscription) {
                CloseHelper.quietClose(subscription);
            } else {
                aeron.asyncRemoveSubscription((Long) entry);
            }
        }
        active = new Subscription[0];
        pending = 0;
        bySession.clear();
        references.clear();
        CloseHelper.quietClose(placeholder);
    }
}
