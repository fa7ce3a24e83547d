package io.averon.ps;

import io.averon.ps.protocol.Nonces;

/**
 * A worker's current join to the server (PROTOCOL.md, "Joining"): its random session, then, once
 * the server's CHALLENGE answered it, the server run (incarnation) and the nonce the JOIN must
 * carry, then whether the JOIN_ACK arrived. Written by the joining thread; the heartbeat thread
 * reads it, hence volatile.
 */
final class JoinSession {

    private volatile long id;
    private volatile long incarnation;
    private volatile long nonce;
    private volatile boolean joined;

    /** A new join: a fresh session, not yet challenged nor joined (heartbeats pause). */
    void begin() {
        joined = false;
        incarnation = 0;
        nonce = 0;
        id = Nonces.next();
    }

    /** The server run that challenged this join, and its nonce. */
    void challenged(long serverIncarnation, long challengeNonce) {
        incarnation = serverIncarnation;
        nonce = challengeNonce;
    }

    void joined() {
        joined = true;
    }

    void left() {
        joined = false;
    }

    long id() {
        return id;
    }

    long incarnation() {
        return incarnation;
    }

    long nonce() {
        return nonce;
    }

    boolean isChallenged() {
        return nonce != 0;
    }

    boolean isJoined() {
        return joined;
    }
}
