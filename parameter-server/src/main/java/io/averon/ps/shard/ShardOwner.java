package io.averon.ps.shard;

import io.aeron.Aeron;
import io.averon.ps.ParameterServer;
import io.averon.ps.ServerContext;
import io.averon.ps.ServerCounters;
import io.averon.ps.transport.EmbeddedMediaDriver;
import io.averon.ps.transport.Ports;

/**
 * The shard a worker owns in sharded averaging: a {@link ParameterServer} for its range of the
 * vector, on the worker's own host, with every rule of the server path (HMAC, joins bound to this
 * run, replay windows, bounds, NaN refusal, outer optimizer, deltas). It also runs the worker's
 * media driver, which the worker's connections to every owner share. Start it, tell the other
 * workers its {@link #endpoint()}, then connect a {@link ShardedClient}.
 */
public final class ShardOwner implements AutoCloseable {

    private final EmbeddedMediaDriver driver;
    private final ParameterServer server;
    private final String endpoint;

    private ShardOwner(EmbeddedMediaDriver driver, ParameterServer server, String endpoint) {
        this.driver = driver;
        this.server = server;
        this.endpoint = endpoint;
    }

    /**
     * Starts owning shard {@code settings.self()}, after round {@code startRound} whose global
     * vector is {@code start[0 .. startCount)} (the whole vector, as every worker holds it).
     */
    public static ShardOwner start(ShardedSettings settings, long startRound, float[] start, int startCount) {
        ShardLayout layout = settings.layout();
        int shard = settings.self();
        float[] slice = new float[layout.sliceLength(shard, startCount)];
        layout.scatter(shard, start, startCount, slice);
        EmbeddedMediaDriver driver = EmbeddedMediaDriver.launch("shard-" + shard);
        try {
            int port = Ports.freeUdpPortPair();
            ServerContext context = ServerContext.builder()
                    .bind(settings.host(), port)
                    .job(settings.shardJob(shard), settings.secret())
                    .model(layout.parameters(shard), layout.updaterState(shard), settings.configHash())
                    .rounds(settings.rounds())
                    .aeronDirectory(driver.directory())
                    .mtu(settings.mtuBytes(), settings.termLength())
                    .initialState(startRound, slice)
                    .build();
            return new ShardOwner(driver, ParameterServer.start(context), settings.host() + ":" + port);
        } catch (RuntimeException e) {
            driver.close();
            throw e;
        }
    }

    /** Where the other workers reach this owner ({@code host:port}). */
    public String endpoint() {
        return endpoint;
    }

    /** The worker's Aeron client (its media driver is this owner's). */
    public Aeron aeron() {
        return driver.aeron();
    }

    public ServerCounters.Snapshot counters() {
        return server.counters();
    }

    /** Stops serving the shard, then the media driver. */
    @Override
    public void close() {
        try {
            server.close();
        } finally {
            driver.close();
        }
    }
}
