package io.averon.ps.transport;

import io.aeron.ChannelUriStringBuilder;
import io.aeron.CommonContext;

/**
 * The Aeron channels of PROTOCOL.md. Workers publish to the server's UDP endpoint, where the server
 * subscribes only to the sessions of authenticated HELLOs ({@link SessionSubscriptions}); the server
 * publishes to workers on a manual multi-destination-cast channel to which it adds a worker's
 * receive endpoint only after that worker's fresh JOIN ({@link Destinations}), so nobody becomes a
 * receiver by sending status messages. Subscriptions use sparse log files.
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

    /** A receiving endpoint bound to {@code bindHost:port} (the server's, the driver's report endpoint). */
    public static String serverSubscription(String bindHost, int port) {
        return new ChannelUriStringBuilder().media(CommonContext.UDP_MEDIA).endpoint(bindHost + ":" + port)
                .sparse(true).build();
    }

    /** A receiving endpoint on {@code bindHost:port} for one Aeron session only. */
    public static String sessionSubscription(String bindHost, int port, int sessionId) {
        return new ChannelUriStringBuilder().media(CommonContext.UDP_MEDIA).endpoint(bindHost + ":" + port)
                .sessionId(sessionId).sparse(true).build();
    }

    /** The server's publication to its workers: manual MDC (it sends only to destinations it adds). */
    public static String serverPublication(int mtuBytes, int termLength) {
        return new ChannelUriStringBuilder().media(CommonContext.UDP_MEDIA)
                .controlMode(CommonContext.MDC_CONTROL_MODE_MANUAL)
                .mtu(mtuBytes)
                .termLength(termLength)
                .build();
    }

    /** A destination of the server's publication: a worker's receive endpoint {@code host:port}. */
    public static String destination(String endpoint) {
        return new ChannelUriStringBuilder().media(CommonContext.UDP_MEDIA).endpoint(endpoint).build();
    }

    /** A worker's publication to {@code host:port} (the server, or the driver's report endpoint). */
    public static String workerPublication(String host, int port, int mtuBytes, int termLength) {
        return new ChannelUriStringBuilder().media(CommonContext.UDP_MEDIA).endpoint(host + ":" + port)
                .mtu(mtuBytes).termLength(termLength).build();
    }
}
