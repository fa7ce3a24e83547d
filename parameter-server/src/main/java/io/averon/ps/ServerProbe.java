package io.averon.ps;

import io.aeron.ExclusivePublication;
import io.aeron.Subscription;
import io.averon.ps.transport.Channels;
import io.averon.ps.transport.EmbeddedMediaDriver;
import org.agrona.concurrent.BackoffIdleStrategy;

import java.util.concurrent.TimeUnit;

/**
 * Checks, without joining, that a parameter server can be reached from this host both ways: a
 * publication to its port connects (the server answers with status messages), and a subscription
 * to its averaged-parameters channel (controlled at port + 1) sees the server's stream. Nothing is
 * sent; the server only sees an image appear and go.
 */
public final class ServerProbe {

    /** Aeron's smallest term: the probe sends nothing. */
    private static final int TERM_LENGTH = 64 * 1024;

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
                     Channels.workerPublication(serverHost, serverPort, TERM_LENGTH), Channels.TO_SERVER_STREAM);
             Subscription subscription = driver.aeron().addSubscription(
                     Channels.workerSubscription(localHost, serverHost, serverPort), Channels.TO_WORKERS_STREAM)) {
            while (!publication.isConnected()) {
                if (System.nanoTime() > deadline) {
                    throw new ParameterServerUnreachableException("parameter server " + server + " is unreachable from "
                            + localHost + " (no answer on UDP port " + serverPort + " within " + timeoutMs + " ms)");
                }
                idle.idle();
            }
            idle.reset();
            while (!subscription.isConnected()) {
                if (System.nanoTime() > deadline) {
                    throw new ParameterServerUnreachableException("parameter server " + server + " is unreachable from "
                            + localHost + " (nothing from its UDP control port " + (serverPort + 1) + " within "
                            + timeoutMs + " ms)");
                }
                idle.idle();
            }
        }
    }
}
