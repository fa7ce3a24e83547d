package io.averon.ps;

/** The server could not complete a round (e.g. timeout below quorum); the message names the missing workers. */
public class RoundFailedException extends ParameterServerException {
    private static final long serialVersionUID = 1L;

    public RoundFailedException(String message) {
        super(message);
    }
}
