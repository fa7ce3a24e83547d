package io.averon.ps;

/** Root of the parameter server's unchecked exceptions; messages say what failed and where. */
public class ParameterServerException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ParameterServerException(String message) {
        super(message);
    }

    public ParameterServerException(String message, Throwable cause) {
        super(message, cause);
    }
}
