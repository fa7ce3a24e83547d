package io.averon.ps.shard;

import io.aeron.Aeron;
import io.averon.ps.ParameterServer;
import io.averon.ps.ServerContext;
import io.averon.ps.ServerCounters;
import io.averon.ps.transport.EmbeddedMediaDriver;
import io.averon.ps.transport.Ports;
import org.agrona.CloseHelper;

/**
 * The shard a worker owns in sharded averaging: a {@link ParameterServer} for its range of the
 * vector, on the worker's own host, with every rule of the server path (HMAC, joins bound to this
 * run, replay windows, bounds, NaN refusal, outer optimizer, deltas), on the media driver the
 * worker uses, with the Aeron client the worker's connections to every owner share. Start it, tell
 * the other workers its {@link #endpoint()}, then connect a {@link ShardedClient}.
 */
public final class ShardOwner implements AutoCloseable {

    private final Aeron aeron;
    private final ParameterServer server;
    private final String endpoint;

    private ShardOwner(Aeron aeron, ParameterServer server, String endpoint) {
        this.aeron = aeron;
        this.server = server;
        this.endpoint = endpoint;
    }

    /**
     * Starts owning shard {@code settings.self()}, after round {@code startRound} whose global
     * vector is {@code start[0 .. startCount)} (the whole vector, as every worker holds it), on the
     * media driver in {@code aeronDirectory} (e.g. a {@link io.averon.ps.transport.SharedMediaDriver}'s).
     */
    public static ShardOwner start(ShardedSettings settings, long startRound, float[] start, int startCount,
                                   String aeronDirectory) {
        ShardLayout layout = settings.layout();
        int shard = settings.self();
        float[] slice = new float[layout.sliceLength(shard, startCount)];
        layout.scatter(shard, start, startCount, slice);
        Aeron aeron = Aeron.connect(EmbeddedMediaDriver.clientContext(aeronDirectory));
        try {
            int port = Ports.freeUdpPortPair();
            ServerContext context = ServerContext.builder()
                    .bind(settings.host(), port)
                    .job(settings.shardJob(shard), settings.secret())
                    .model(layout.parameters(shard), layout.updaterState(shard), settings.configHash())
                    .rounds(settings.rounds())
                    .aeronDirectory(aeronDirectory)
                    .mtu(settings.mtuBytes(), settings.termLength())
                    .initialState(startRound, slice)
                    .build();
            return new ShardOwner(aeron, ParameterServer.start(context), settings.host() + ":" + port);
        } catch (RuntimeException e) {
            CloseHelper.quietClose(aeron);
            throw e;
        }
    }

    /** Where the other workers reach this owner ({@code host:port}). */
    public String endpoint() {
        return endpoint;
    }

    /** The Aeron client the worker's connections share. */
    public Aeron aeron() {
        return aeron;
    }

    public ServerCounters.Snapshot counters() {
        return server.counters();
    }

    /** Stops serving the shard, then closes the Aeron client (the media driver is its owner's). */
    @Override
    public void close() {
        try {
            server.close();
        } finally {
            aeron.close();
        }
    }
}
