package io.averon.ps.protocol;

/**
 * Why a received message was dropped (each is counted separately), and the code a REFUSED
 * message carries ({@link #code()}: PROTOCOL.md's table; the order below is the wire format, so
 * new reasons go at the end).
 */
public enum Refusal {
    /** A message that did not arrive as one Aeron frame: dropped before anything of it is kept. */
    FRAGMENTED,
    /** Shorter than header + MAC. */
    TOO_SHORT,
    /** Not "AVPS". */
    BAD_MAGIC,
    /** A protocol version this code does not speak. */
    BAD_VERSION,
    /** Unknown type code, or a type this side never receives. */
    BAD_TYPE,
    /** Payload, chunk or total lengths inconsistent or beyond what the registered model allows. */
    BAD_LENGTH,
    /**
     * Worker id outside 0 .. expected workers - 1 (or not the server's id on server messages), or a
     * JOIN standing for more training tasks than the server expects.
     */
    BAD_WORKER_ID,
    /** HMAC does not match: wrong key or altered bytes. */
    BAD_MAC,
    /** Another job's message. */
    WRONG_JOB,
    /** Another server incarnation's message. */
    WRONG_INCARNATION,
    /** A contribution for a round that is not open (late or early). */
    WRONG_ROUND,
    /** A sequence number at or below one already accepted from that sender. */
    REPLAY,
    /** Not finite (NaN or infinity) values in a contribution. */
    NOT_FINITE,
    /** A second contribution from the same worker in the same round. */
    DUPLICATE,
    /** A JOIN whose model fingerprint differs from the registered model. */
    MODEL_MISMATCH,
    /** A message from a worker that has not joined. */
    NOT_JOINED,
    /** A message of another join session than the worker's current one (an earlier connection, or a replay). */
    STALE_SESSION,
    /** A JOIN whose nonce is not the one this server run gave that worker's session (a replay, or too late). */
    STALE_CHALLENGE,
    /** A JOIN whose chunk size is not the server's (sender and receiver must cut vectors alike). */
    CHUNK_MISMATCH,
    /** A contribution with an absurd magnitude, or whose update norm exceeds the configured bound. */
    OUT_OF_BOUNDS,
    /** A JOIN of another training run while workers of the current one are live: retry later. */
    BUSY,
    /** A round that ended below the quorum (sent to every worker). */
    ROUND_FAILED,
    /**
     * Messages of a worker's joined session missing from its stream (a sequence number skipped:
     * they were lost in transit, its Aeron image rebuilt mid-stream): a contribution they were part
     * of can never complete, so the worker is no longer awaited and must rejoin.
     */
    LOST_MESSAGES;

    private static final Refusal[] BY_CODE = values();

    /** The wire code of a REFUSED with this reason. */
    public int code() {
        return ordinal() + 1;
    }

    /** The reason of a wire code, or null for an unknown code. */
    public static Refusal ofCode(int code) {
        return code >= 1 && code <= BY_CODE.length ? BY_CODE[code - 1] : null;
    }
}
