package io.averon.ps;

/** The parameter server serves another training run whose workers are still live; joining later may succeed. */
public final class ServerBusyException extends ParameterServerException {

    private static final long serialVersionUID = 1L;

    public ServerBusyException(String message) {
        super(message);
    }
}
