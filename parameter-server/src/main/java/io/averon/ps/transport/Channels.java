package io.averon.ps.transport;

import io.aeron.ChannelUriStringBuilder;
import io.aeron.CommonContext;

/**
 * The Aeron channels of PROTOCOL.md. Workers publish to the server's UDP endpoint, where the server
 * subscribes only to the sessions of authenticated HELLOs ({@link SessionSubscriptions}); the server
 * answers each worker on a stream of its own ({@link Outbox}), opened only after that worker's fresh
 * JOIN, so nobody becomes a receiver by sending status messages, and no worker's reading pace holds
 * up, or loses, another's messages. Subscriptions use sparse log files.
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

    /**
     * A receiving endpoint on {@code bindHost:port} for one Aeron session only, with a receiver
     * window of {@code receiverWindowBytes} ({@link Ports#receiverWindowBytes}).
     */
    public static String sessionSubscription(String bindHost, int port, int sessionId, int receiverWindowBytes) {
        return new ChannelUriStringBuilder().media(CommonContext.UDP_MEDIA).endpoint(bindHost + ":" + port)
                .sessionId(sessionId).receiverWindowLength(receiverWindowBytes).sparse(true).build();
    }

    /**
     * A stream to one peer's receive endpoint {@code host:port} ({@link Outbox}), in the Aeron
     * session the peer was told to read; sparse log buffers.
     */
    public static String peerPublication(String endpoint, int sessionId, int mtuBytes, int termLength) {
        return new ChannelUriStringBuilder().media(CommonContext.UDP_MEDIA).endpoint(endpoint).sessionId(sessionId)
                .mtu(mtuBytes).termLength(termLength).sparse(true).build();
    }

    /** A worker's publication to {@code host:port} (the server, or the driver's report endpoint). */
    public static String workerPublication(String host, int port, int mtuBytes, int termLength) {
        return new ChannelUriStringBuilder().media(CommonContext.UDP_MEDIA).endpoint(host + ":" + port)
                .mtu(mtuBytes).termLength(termLength).build();
    }
}
