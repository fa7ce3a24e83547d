package io.averon.ps;

import io.averon.ps.protocol.Refusal;

/**
 * The exception a worker throws for a REFUSED from the server, chosen by its code
 * (PROTOCOL.md, "Refusals"), never by its text: the round it waits for is over
 * ({@link RoundFailedException}), the server serves another run ({@link ServerBusyException}), or
 * anything else ({@link ParameterServerException}).
 */
final class RefusalExceptions {

    private RefusalExceptions() {
    }

    /**
     * @param code   the REFUSED's code, or null if this side does not know it
     * @param server the server, for the message ("parameter server at host:port")
     * @param what   what was refused ("join", "round 3")
     * @param reason the REFUSED's text
     */
    static ParameterServerException of(Refusal code, String server, String what, String reason) {
        if (code == null) {
            return new ParameterServerException(server + " refused " + what + ": " + reason);
        }
        return switch (code) {
            case ROUND_FAILED, WRONG_ROUND -> new RoundFailedException(server + ": " + reason);
            case BUSY -> new ServerBusyException(server + " refused " + what + ": " + reason);
            default -> new ParameterServerException(server + " refused " + what + ": " + reason);
        };
    }
}
