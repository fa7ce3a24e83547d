package io.averon.ps;

import io.aeron.Publication;
import io.averon.ps.protocol.Refusal;
import io.averon.ps.transport.Channels;
import org.agrona.collections.Object2IntHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;

/**
 * The server's view of each worker's connection (PROTOCOL.md, "Joining"): which join session is
 * current, which one is being challenged, the replay window of each, and which receive endpoints
 * are destinations of the server's publication. Owned by the server's agent thread.
 *
 * <p>A worker id has at most two sessions: the joined one, and a pending one that said HELLO and
 * was sent a CHALLENGE. Only a JOIN carrying that challenge's nonce, in this server run, makes
 * the pending session current; a replayed HELLO can therefore never displace a joined worker, and
 * a replayed JOIN is never fresh. Destinations are the endpoints of these sessions only, so the
 * server sends to at most two authenticated addresses per expected worker.
 */
final class WorkerSessions {

    private static final Logger LOG = LoggerFactory.getLogger(WorkerSessions.class);
    /** A HELLO's session that has not joined after this long loses its destination. */
    static final long PENDING_TIMEOUT_MS = 30_000;

    private static final class Session {
        long id;
        long lastSequence;
        String endpoint;
        long nonce;
        long sinceMs;

        boolean isOpen() {
            return id != 0;
        }

        void clear() {
            id = 0;
            lastSequence = 0;
            endpoint = null;
            nonce = 0;
        }
    }

    private final Session[] joined;
    private final Session[] pending;
    private final Publication publication;
    private final Object2IntHashMap<String> destinations = new Object2IntHashMap<>(0);
    private final SecureRandom random = new SecureRandom();

    WorkerSessions(int workers, Publication publication) {
        this.publication = publication;
        joined = new Session[workers];
        pending = new Session[workers];
        for (int i = 0; i < workers; i++) {
            joined[i] = new Session();
            pending[i] = new Session();
        }
    }

    /**
     * An authenticated HELLO: opens (or continues) the worker's pending session, adds its endpoint as
     * a destination, and returns the nonce to send in the CHALLENGE; null if the HELLO is a replay of
     * the pending or joined session ({@code refusal} says which check failed).
     */
    Long hello(int worker, long session, long sequence, String endpoint, long nowMs, Refusal[] refusal) {
        if (session == joined[worker].id) {
            refusal[0] = Refusal.STALE_SESSION; // a joined session never says HELLO again
            return null;
        }
        Session p = pending[worker];
        if (session == p.id) {
            if (sequence <= p.lastSequence) {
                refusal[0] = Refusal.REPLAY;
                return null;
            }
            p.lastSequence = sequence;
            return p.nonce; // a repeated HELLO: the CHALLENGE may have been sent before its image existed
        }
        release(p);
        p.id = session;
        p.lastSequence = sequence;
        p.endpoint = endpoint;
        p.nonce = nonzeroRandom();
        p.sinceMs = nowMs;
        retain(endpoint);
        return p.nonce;
    }

    /**
     * An authenticated JOIN in this server run: null if it answers the pending session's challenge
     * (call {@link #promote} once it is accepted), else why not.
     */
    Refusal checkJoin(int worker, long session, long sequence, long nonce) {
        Session p = pending[worker];
        if (session != p.id || session == 0) {
            return session == joined[worker].id && session != 0 ? Refusal.REPLAY : Refusal.STALE_CHALLENGE;
        }
        if (sequence <= p.lastSequence) {
            return Refusal.REPLAY;
        }
        p.lastSequence = sequence;
        return nonce == p.nonce ? null : Refusal.STALE_CHALLENGE;
    }

    /** The pending session becomes the worker's current one; the previous one's endpoint is released. */
    void promote(int worker) {
        Session p = pending[worker];
        Session j = joined[worker];
        release(j);
        j.id = p.id;
        j.lastSequence = p.lastSequence;
        j.endpoint = p.endpoint;
        j.nonce = 0;
        j.sinceMs = p.sinceMs;
        p.clear(); // the endpoint's reference moves to the joined session
    }

    /** For PUSH, HEARTBEAT, LEAVE: null if the message is the joined session's and fresh, else why not. */
    Refusal check(int worker, long session, long sequence) {
        Session j = joined[worker];
        if (session != j.id || session == 0) {
            return Refusal.STALE_SESSION;
        }
        if (sequence <= j.lastSequence) {
            return Refusal.REPLAY;
        }
        j.lastSequence = sequence;
        return null;
    }

    /** The worker's joined session, or 0. */
    long joinedSession(int worker) {
        return joined[worker].id;
    }

    /** The worker's pending session, or 0. */
    long pendingSession(int worker) {
        return pending[worker].id;
    }

    /** The worker left: its session ends and its endpoint is no longer sent to. */
    void leave(int worker) {
        release(joined[worker]);
    }

    /** Pending sessions older than {@link #PENDING_TIMEOUT_MS} lose their destination. */
    void expire(long nowMs) {
        for (Session p : pending) {
            if (p.isOpen() && nowMs - p.sinceMs > PENDING_TIMEOUT_MS) {
                release(p);
            }
        }
    }

    /** Endpoints the server's publication currently sends to. */
    int destinationCount() {
        return destinations.size();
    }

    private void retain(String endpoint) {
        int references = destinations.getValue(endpoint);
        if (references == 0) {
            publication.addDestination(Channels.destination(endpoint));
            LOG.debug("destination added: {}", endpoint);
        }
        destinations.put(endpoint, references + 1);
    }

    private void release(Session s) {
        if (s.isOpen() && s.endpoint != null) {
            int references = destinations.getValue(s.endpoint);
            if (references <= 1) {
                destinations.removeKey(s.endpoint);
                publication.removeDestination(Channels.destination(s.endpoint));
                LOG.debug("destination removed: {}", s.endpoint);
            } else {
                destinations.put(s.endpoint, references - 1);
            }
        }
        s.clear();
    }

    private long nonzeroRandom() {
        long value;
        do {
            value = random.nextLong();
        } while (value == 0);
        return value;
    }
}
