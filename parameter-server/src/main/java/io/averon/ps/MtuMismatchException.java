package io.averon.ps;

/**
 * The configured MTU does not fit: datagrams of its size are lost between a worker and the server
 * while smaller ones get through (a link with a smaller MTU, or a path that drops IP fragments), or
 * the server uses another MTU. The message names the server, the sizes and the {@code --mtu} to set.
 */
public class MtuMismatchException extends ParameterServerException {
    private static final long serialVersionUID = 1L;

    public MtuMismatchException(String message) {
        super(message);
    }
}
