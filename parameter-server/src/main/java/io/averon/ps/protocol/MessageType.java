package io.averon.ps.protocol;

/** Message types of protocol version 2, with their wire codes. */
public enum MessageType {
    JOIN(1), JOIN_ACK(2), PUSH(3), AVERAGED(4), HEARTBEAT(5), LEAVE(6), REFUSED(7),
    /** Worker to training driver (its own channel): a small UTF-8 JSON report. */
    REPORT(8),
    /** Worker to training driver: float32 values (the averaged model of an epoch), chunked like PUSH. */
    REPORT_VECTOR(9),
    /** Worker to server, before JOIN: where to reach this worker, and its chunk size. */
    HELLO(10),
    /** Server to a worker that said HELLO: the server run's nonce, which the worker's JOIN must carry. */
    CHALLENGE(11);

    private static final MessageType[] BY_CODE = new MessageType[12];

    static {
        for (MessageType t : values()) {
            BY_CODE[t.code] = t;
        }
    }

    private final int code;

    MessageType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The type with this code, or null for an unknown code. */
    public static MessageType ofCode(int code) {
        return code > 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }

    /** Whether workers send this type (the others come from the server). */
    public boolean fromWorker() {
        return this == HELLO || this == JOIN || this == PUSH || this == HEARTBEAT || this == LEAVE || this == REPORT
                || this == REPORT_VECTOR;
    }
}
