package io.averon.ps.transport;

import io.aeron.ChannelUriStringBuilder;
import io.aeron.CommonContext;

/**
 * The Aeron channels of PROTOCOL.md. Workers publish to the server's UDP endpoint; the server
 * publishes averaged parameters on a dynamic multi-destination-cast channel whose control port is
 * {@code port + 1}, which workers subscribe to. The server only ever binds its configured
 * interface and never dials an address taken from a message.
 */
public final class Channels {

    /** Stream of worker → server messages. */
    public static final int TO_SERVER_STREAM = 1001;
    /** Stream of server → worker messages. */
    public static final int TO_WORKERS_STREAM = 1002;
    /** Stream of worker → training driver reports (the driver's own endpoint). */
    public static final int REPORT_STREAM = 1003;

    private Channels() {
    }

    /** The server's subscription: bound to {@code bindHost:port}. */
    public static String serverSubscription(String bindHost, int port) {
        return new ChannelUriStringBuilder().media(CommonContext.UDP_MEDIA).endpoint(bindHost + ":" + port).build();
    }

    /** The server's publication to all workers: dynamic MDC controlled at {@code bindHost:port+1}. */
    public static String serverPublication(String bindHost, int port, int termLength) {
        return new ChannelUriStringBuilder().media(CommonContext.UDP_MEDIA)
                .controlEndpoint(bindHost + ":" + (port + 1))
                .controlMode(CommonContext.MDC_CONTROL_MODE_DYNAMIC)
                .termLength(termLength)
                .build();
    }

    /** A worker's publication to the server. */
    public static String workerPublication(String serverHost, int port, int termLength) {
        return new ChannelUriStringBuilder().media(CommonContext.UDP_MEDIA).endpoint(serverHost + ":" + port)
                .termLength(termLength).build();
    }

    /** A worker's subscription to the server's MDC publication, receiving on {@code localHost} (any port). */
    public static String workerSubscription(String localHost, String serverHost, int port) {
        return new ChannelUriStringBuilder().media(CommonContext.UDP_MEDIA)
                .endpoint(localHost + ":0")
                .controlEndpoint(serverHost + ":" + (port + 1))
                .controlMode(CommonContext.MDC_CONTROL_MODE_DYNAMIC)
                .build();
    }
}
