package io.averon.ps;

/** The other side cannot be reached: not connected, closed, or silent past a deadline. */
public class ParameterServerUnreachableException extends ParameterServerException {
    private static final long serialVersionUID = 1L;

    public ParameterServerUnreachableException(String message) {
        super(message);
    }
}
