package io.averon.core;

/**
 * Root of Averon's small unchecked exception hierarchy. Messages are written for the user:
 * one line that names the file, record or setting and says what is wrong.
 */
public class AveronException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public AveronException(String message) {
        super(message);
    }

    public AveronException(String message, Throwable cause) {
        super(message, cause);
    }
}
