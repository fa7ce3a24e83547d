package io.averon.ps;

import io.averon.ps.protocol.Refusal;
import io.averon.ps.transport.Outbox;
import io.averon.ps.transport.SessionSubscriptions;
import io.averon.ps.transport.Timeouts;

import java.security.SecureRandom;


/**
 * The server's view of each worker's connection (PROTOCOL.md, "Joining"): which join session is
 * current, which one is being challenged, the replay window of each, which Aeron sessions the
 * server subscribes to and the stream ({@link Outbox}) it answers each session on. Owned by the
 * server's agent thread.
 *
 * <p>A worker id has at most two sessions: the joined one, and a pending one whose HELLO was
 * answered with a CHALLENGE. A pending session's Aeron publication is admitted (so its JOIN can
 * arrive), but nothing is sent to it over Aeron; only a JOIN carrying the challenge's nonce, in
 * this server run, opens a stream to its endpoint (in the Aeron session the CHALLENGE named) and,
 * once accepted, makes it current. A replayed HELLO therefore never displaces a joined worker and
 * never makes the server send to an address, and a replayed JOIN is never fresh.
 */
final class WorkerSessions {

    /** What a JOIN is, given the worker's sessions. */
    enum JoinKind { FRESH, REPEATED }

    private static final class Session {
        long id;
        long lastSequence;
        int aeronSession;
        String endpoint;
        /** The Aeron session of the server's stream to this session (named in the CHALLENGE). */
        int streamSession;
        /** The length of the session's last accepted HELLO datagram. */
        int helloBytes;
        Outbox outbox;
        long nonce;
        long sinceMs;

        boolean isOpen() {
            return id != 0;
        }
    }

    private final Session[] joined;
    private final Session[] pending;
    private final SessionSubscriptions subscriptions;
    private final OutboxFactory outboxes;
    private final SecureRandom random = new SecureRandom();
    private long closedBackPressured;

    /** Opens the stream to a worker's receive endpoint in a given Aeron session. */
    @FunctionalInterface
    interface OutboxFactory {
        Outbox open(String endpoint, int sessionId);
    }

    WorkerSessions(int workers, SessionSubscriptions subscriptions, OutboxFactory outboxes) {
        this.subscriptions = subscriptions;
        this.outboxes = outboxes;
        joined = new Session[workers];
        pending = new Session[workers];
        for (int i = 0; i < workers; i++) {
            joined[i] = new Session();
            pending[i] = new Session();
        }
    }

    /**
     * An authenticated HELLO: opens (or continues) the worker's pending session, admits its Aeron
     * publication, and returns the nonce for the CHALLENGE; 0 if the HELLO is a replay, with
     * {@code refusal[0]} saying which check failed.
     */
    long hello(int worker, long session, long sequence, int aeronSession, String endpoint, int helloBytes, long nowMs,
               Refusal[] refusal) {
        if (session == joined[worker].id) {
            refusal[0] = Refusal.STALE_SESSION; // a joined session never says HELLO again
            return 0;
        }
        Session p = pending[worker];
        if (session == p.id) {
            if (sequence <= p.lastSequence) {
                refusal[0] = Refusal.REPLAY;
                return 0;
            }
            p.lastSequence = sequence;
            p.helloBytes = helloBytes;
            return p.nonce; // a repeated HELLO: the CHALLENGE was lost
        }
        // admit first, then let the replaced session go: a worker that joins again through the same
        // Aeron publication must not lose its subscription (and its connection) in between
        subscriptions.retain(aeronSession);
        release(p);
        p.id = session;
        p.lastSequence = sequence;
        p.aeronSession = aeronSession;
        p.endpoint = endpoint;
        p.helloBytes = helloBytes;
        p.nonce = io.averon.ps.protocol.Nonces.next();
        int stream;
        do {
            stream = random.nextInt();
        } while (stream == 0 || stream == joined[worker].streamSession);
        p.streamSession = stream;
        p.sinceMs = nowMs;
        return p.nonce;
    }

    /**
     * An authenticated JOIN of this server run: FRESH if it answers the pending session's challenge
     * (a stream to its endpoint is open: answer it, then {@link #promote} once it is accepted),
     * REPEATED if it is the joined session asking again (its JOIN_ACK was lost); otherwise
     * {@code refusal[0]} says why not and null is returned.
     */
    JoinKind checkJoin(int worker, long session, long sequence, long nonce, Refusal[] refusal) {
        Session s = session == 0 ? null : session == pending[worker].id ? pending[worker]
                : session == joined[worker].id ? joined[worker] : null;
        if (s == null) {
            refusal[0] = Refusal.STALE_CHALLENGE;
            return null;
        }
        if (sequence <= s.lastSequence) {
            refusal[0] = Refusal.REPLAY;
            return null;
        }
        s.lastSequence = sequence;
        if (nonce != s.nonce) {
            refusal[0] = Refusal.STALE_CHALLENGE;
            return null;
        }
        if (s == joined[worker]) {
            return JoinKind.REPEATED;
        }
        if (s.outbox == null) {
            s.outbox = outboxes.open(s.endpoint, s.streamSession);
        }
        return JoinKind.FRESH;
    }

    /** The pending session becomes the worker's current one; the previous one's resources are released. */
    void promote(int worker) {
        Session p = pending[worker];
        Session j = joined[worker];
        release(j);
        j.id = p.id;
        j.lastSequence = p.lastSequence;
        j.aeronSession = p.aeronSession;
        j.endpoint = p.endpoint;
        j.streamSession = p.streamSession;
        j.helloBytes = p.helloBytes;
        j.outbox = p.outbox;
        j.nonce = p.nonce;
        j.sinceMs = p.sinceMs;
        forget(p); // its subscription and stream now belong to the joined session
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

    /**
     * How many messages of the worker's joined session are missing before this one, of sequence
     * {@code sequence}: every message of a joined session travels on its Aeron stream, numbered
     * one by one, so a skipped number is a message lost in transit (the stream was rebuilt). 0 for
     * another session's message, a replay, or the next one in order. Changes nothing.
     */
    long skippedBefore(int worker, long session, long sequence) {
        Session j = joined[worker];
        return session != 0 && session == j.id && sequence > j.lastSequence + 1 ? sequence - j.lastSequence - 1 : 0;
    }

    /** The worker's joined session, or 0. */
    long joinedSession(int worker) {
        return joined[worker].id;
    }

    /** The worker's pending session, or 0. */
    long pendingSession(int worker) {
        return pending[worker].id;
    }

    /** The length of the HELLO datagram of {@code session} if it is the worker's pending session, else 0. */
    int pendingHelloBytes(int worker, long session) {
        return session != 0 && session == pending[worker].id ? pending[worker].helloBytes : 0;
    }

    /** The Aeron session of the stream the server opens to the worker's pending session (for its CHALLENGE). */
    int pendingStreamSession(int worker) {
        return pending[worker].streamSession;
    }

    /** The stream to the worker's joined or pending session {@code session}, or null if there is none. */
    Outbox outbox(int worker, long session) {
        if (session == 0) {
            return null;
        }
        return session == joined[worker].id ? joined[worker].outbox
                : session == pending[worker].id ? pending[worker].outbox : null;
    }

    /** The stream to the worker's joined session, or null. */
    Outbox joinedOutbox(int worker) {
        return joined[worker].outbox;
    }

    /** Offers queued frames of every stream, at most {@code frameLimit} each; returns frames sent. */
    int drain(int frameLimit) {
        int sent = 0;
        for (int w = 0; w < joined.length; w++) {
            if (joined[w].outbox != null) {
                sent += joined[w].outbox.drain(frameLimit);
            }
            if (pending[w].outbox != null) {
                sent += pending[w].outbox.drain(frameLimit);
            }
        }
        return sent;
    }

    /** Streams open now. */
    int streams() {
        int n = 0;
        for (int w = 0; w < joined.length; w++) {
            n += (joined[w].outbox != null ? 1 : 0) + (pending[w].outbox != null ? 1 : 0);
        }
        return n;
    }

    /** Offers found back-pressured, summed over every stream this server opened. */
    long backPressured() {
        long n = closedBackPressured;
        for (int w = 0; w < joined.length; w++) {
            n += (joined[w].outbox != null ? joined[w].outbox.backPressured() : 0)
                    + (pending[w].outbox != null ? pending[w].outbox.backPressured() : 0);
        }
        return n;
    }

    /** Closes every session's stream and subscription. */
    void closeAll() {
        for (int w = 0; w < joined.length; w++) {
            release(joined[w]);
            release(pending[w]);
        }
    }

    /** The worker left: its session ends, its publication is no longer read and its stream closed. */
    void leave(int worker) {
        release(joined[worker]);
    }

    /** Pending sessions older than {@link Timeouts#PENDING_JOIN_MS} are forgotten. */
    void expire(long nowMs) {
        for (Session p : pending) {
            if (p.isOpen() && nowMs - p.sinceMs > Timeouts.PENDING_JOIN_MS) {
                release(p);
            }
        }
    }

    private void release(Session s) {
        if (s.isOpen()) {
            subscriptions.release(s.aeronSession);
            if (s.outbox != null) {
                closedBackPressured += s.outbox.backPressured();
                s.outbox.close();
            }
        }
        forget(s);
    }

    private static void forget(Session s) {
        s.id = 0;
        s.lastSequence = 0;
        s.aeronSession = 0;
        s.endpoint = null;
        s.streamSession = 0;
        s.helloBytes = 0;
        s.outbox = null;
        s.nonce = 0;
    }
}
