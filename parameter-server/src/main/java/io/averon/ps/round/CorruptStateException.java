package io.averon.ps.round;

/**
 * A persisted round state that cannot be trusted (truncated, altered, or not a state file). The
 * message is one line naming the file and the problem.
 */
public final class CorruptStateException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public CorruptStateException(String message) {
        super(message);
    }
}
