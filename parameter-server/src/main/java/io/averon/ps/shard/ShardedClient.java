package io.averon.ps.shard;

import io.aeron.Aeron;
import io.averon.ps.ClientContext;
import io.averon.ps.ParameterServerClient;
import io.averon.ps.ParameterServerException;
import io.averon.ps.RoundClient;
import org.agrona.CloseHelper;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * A worker's side of sharded averaging (PROTOCOL.md, "Sharded averaging"): a round is a
 * reduce-scatter, each worker pushing range {@code r} of its vector to range {@code r}'s owner,
 * which averages it, then an all-gather, each owner sending its averaged range to every worker.
 * Per round a worker sends and receives about {@code 2·M·(N−1)/N} bytes of an {@code M}-byte
 * vector among {@code N} workers, whatever {@code N}: the all-reduce optimum. Each range travels
 * over a {@link ParameterServerClient} connection to its owner, all sharing this worker's Aeron
 * client.
 *
 * <p>Closing leaves every owner and stops this worker's own ({@link ShardOwner}): close only once
 * every worker has received the last round (a barrier), since the others may still be reading
 * this worker's range.
 */
public final class ShardedClient implements RoundClient {

    private final ShardLayout layout;
    private final int self;
    private final ShardOwner owner;
    private final ParameterServerClient[] owners;
    private final float[][] slices;
    private final boolean[] received;
    private final float[] averaged;
    private final IdleStrategy idle = new BackoffIdleStrategy();
    private int pushedCount;

    private ShardedClient(ShardedSettings settings, ShardOwner owner, List<String> endpoints) {
        this.layout = settings.layout();
        this.self = settings.self();
        this.owner = owner;
        int shards = layout.shards();
        if (endpoints.size() != shards) {
            throw new IllegalArgumentException(shards + " shard owners expected, got " + endpoints.size() + " endpoints");
        }
        this.owners = new ParameterServerClient[shards];
        this.slices = new float[shards][];
        this.received = new boolean[shards];
        this.averaged = new float[layout.parameterCount() + layout.updaterStateCount()];
        try {
            for (int r = 0; r < shards; r++) {
                String endpoint = endpoints.get(r);
                int colon = endpoint.lastIndexOf(':');
                ClientContext context = ClientContext.builder()
                        .server(endpoint.substring(0, colon), Integer.parseInt(endpoint.substring(colon + 1)))
                        .localHost(settings.host())
                        .job(settings.shardJob(r), settings.secret())
                        .worker(settings.self(), settings.attempt())
                        .model(layout.parameters(r), layout.updaterState(r), settings.configHash())
                        .mtu(settings.mtuBytes(), settings.termLength())
                        .connectTimeoutMs(settings.connectTimeoutMs())
                        .run(settings.runId(), settings.resume())
                        .compression(settings.compression())
                        .build();
                owners[r] = ParameterServerClient.connect(context, owner.aeron());
                slices[r] = new float[layout.parameters(r) + layout.updaterState(r)];
            }
        } catch (RuntimeException e) {
            CloseHelper.quietCloseAll(owners);
            throw e;
        }
    }

    /**
     * Connects to every shard's owner; {@code endpoints.get(r)} is where shard {@code r}'s owner
     * listens ({@code host:port}, as {@link ShardOwner#endpoint()} told), {@code owner} this
     * worker's own, which this client closes last.
     */
    public static ShardedClient connect(ShardedSettings settings, ShardOwner owner, List<String> endpoints) {
        return new ShardedClient(settings, owner, endpoints);
    }

    @Override
    public Joined join(boolean fetchGlobal) {
        long round = -1;
        int count = 0;
        boolean complete = fetchGlobal;
        for (int r = 0; r < owners.length; r++) {
            Joined joined = owners[r].join(fetchGlobal);
            if (round >= 0 && joined.round() != round) {
                throw new ParameterServerException("the shard owners disagree on the last closed round: shard 0 closed "
                        + round + ", shard " + r + " closed " + joined.round());
            }
            round = joined.round();
            if (joined.global() == null) {
                complete = false;
            } else {
                layout.gather(r, joined.global().values(), joined.global().count(), averaged);
                count = Math.max(count, joined.global().count() > layout.parameters(r)
                        ? averaged.length : layout.parameterCount());
            }
        }
        return new Joined(round, complete ? new Averaged(round, averaged, count) : null);
    }

    @Override
    public void push(long round, float[] values, int count, long sampleCount, boolean delta, long deadlineNs) {
        if (count != layout.parameterCount() && count != averaged.length) {
            throw new IllegalArgumentException("count must be the parameter count " + layout.parameterCount()
                    + " or parameters + updater state " + averaged.length + ", got " + count);
        }
        pushedCount = count;
        // each send streams a whole range before the next starts: starting at the next owner (and
        // ending with this worker's own range) spreads the workers over every owner's link at once,
        // where all starting at owner 0 would queue them on one link at a time
        for (int k = 1; k <= owners.length; k++) {
            int r = (self + k) % owners.length;
            int length = layout.scatter(r, values, count, slices[r]);
            owners[r].push(round, slices[r], length, sampleCount, delta, deadlineNs);
            received[r] = false;
        }
    }

    @Override
    public Averaged awaitAveraged(long round, long deadlineNs) {
        int missing = owners.length;
        idle.reset();
        while (missing > 0) {
            boolean progress = false;
            for (int r = 0; r < owners.length; r++) {
                if (!received[r]) {
                    Averaged part = owners[r].pollAveraged(round, deadlineNs);
                    if (part != null) {
                        layout.gather(r, part.values(), part.count(), averaged);
                        received[r] = true;
                        missing--;
                        progress = true;
                    }
                }
            }
            if (progress) {
                idle.reset();
            } else {
                idle.idle();
            }
        }
        return new Averaged(round, averaged, pushedCount);
    }

    @Override
    public void cancelWhen(BooleanSupplier cancelled) {
        for (ParameterServerClient client : owners) {
            client.cancelWhen(cancelled);
        }
    }

    @Override
    public Aeron aeron() {
        return owner.aeron();
    }

    /** This worker's own shard owner. */
    public ShardOwner owner() {
        return owner;
    }

    @Override
    public void close() {
        try {
            CloseHelper.quietCloseAll(owners);
        } finally {
            owner.close();
        }
    }
}
