package io.averon.core;

/**
 * The user's input is wrong: a corrupt or missing file, a bad record, a setting that conflicts
 * with the data or the model. The CLI maps it to exit code 2. The message names the file (and
 * line, record or byte offset where one applies) and the problem.
 */
public class InvalidInputException extends AveronException {
    private static final long serialVersionUID = 1L;

    public InvalidInputException(String message) {
        super(message);
    }

    public InvalidInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
