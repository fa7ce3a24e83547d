package io.averon.ps;

import io.aeron.ExclusivePublication;
import io.averon.ps.transport.Channels;
import io.averon.ps.transport.EmbeddedMediaDriver;
import org.agrona.concurrent.BackoffIdleStrategy;

import java.util.concurrent.TimeUnit;

/**
 * Checks, without joining, that a parameter server can be reached from this host: a publication
 * to its port connects (the server's media driver answers with status messages). Nothing is sent;
 * the server only sees an image appear and go. The way back (server to this host) cannot be
 * probed without the key: the server sends only to endpoints of authenticated HELLOs, so a worker's
 * join reports that direction (its CHALLENGE does not arrive).
 */
public final class ServerProbe {

    /** Aeron's smallest term: the probe sends nothing. */
    private static final int TERM_LENGTH = 64 * 1024;
    private static final int MTU_LENGTH = 1408;

    private ServerProbe() {
    }

    /**
     * Returns normally when both directions work within {@code timeoutMs}; otherwise throws
     * {@link ParameterServerUnreachableException} naming the host, the port and the direction.
     */
    public static void check(String serverHost, int serverPort, String localHost, long timeoutMs) {
        String server = serverHost + ":" + serverPort;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        BackoffIdleStrategy idle = new BackoffIdleStrategy(10, 20, 1_000, 1_000_000);
        try (EmbeddedMediaDriver driver = EmbeddedMediaDriver.launch("probe");
             ExclusivePublication publication = driver.aeron().addExclusivePublication(
                     Channels.workerPublication(serverHost, serverPort, MTU_LENGTH, TERM_LENGTH),
                     Channels.TO_SERVER_STREAM)) {
            while (!publication.isConnected()) {
                if (System.nanoTime() > deadline) {
                    throw new ParameterServerUnreachableException("parameter server " + server + " is unreachable from "
                            + localHost + " (no answer on UDP port " + serverPort + " within " + timeoutMs + " ms)");
                }
                idle.idle();
            }
        }
    }
}
