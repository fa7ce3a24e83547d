package io.averon.benchmarks.sim;

import io.aeron.Aeron;
import io.averon.ps.ClientContext;
import io.averon.ps.ParameterServerClient;
import io.averon.ps.RoundClient;
import io.averon.ps.round.RoundSettings;
import io.averon.ps.shard.ShardLayout;
import io.averon.ps.shard.ShardOwner;
import io.averon.ps.shard.ShardedClient;
import io.averon.ps.shard.ShardedSettings;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.SplittableRandom;

/**
 * One simulated worker: joins the rounds (as a parameter-server client, or as a shard owner and
 * sharded client), then per round fills its synthetic contribution, waits at a file barrier so
 * every worker starts the round together, pushes and awaits the average, and checks it: the exact
 * expected value at sampled indices (every shard's first and last value among them) and a SHA-256
 * of the whole averaged vector, which the run compares across workers and runs.
 */
final class SimWorker {

    static final byte[] SECRET = "simulated-cluster-secret-0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    static final byte[] CONFIG_HASH = new byte[32];
    static final String JOB = "avsim";
    private static final int SAMPLED_INDICES = 256;

    private final HostPlan plan;
    private final int worker;
    private final Rendezvous rendezvous;
    private final SyntheticContributions contributions;
    private final boolean measuresLink;

    SimWorker(HostPlan plan, int worker, Rendezvous rendezvous, boolean measuresLink) {
        this.plan = plan;
        this.worker = worker;
        this.rendezvous = rendezvous;
        this.contributions = new SyntheticContributions(plan.seed());
        this.measuresLink = measuresLink;
    }

    /** Runs every round on the host's media driver ({@code aeronDirectory}, whose client {@code hostAeron} is). */
    Properties run(Aeron hostAeron, String aeronDirectory) throws Exception {
        int m = plan.parameters();
        float[] values = new float[m]; // round 0's global vector (zeros), then each round's contribution
        Properties result = new Properties();
        if (plan.mode() == AveragingMode.SHARDED) {
            ShardedSettings settings = shardedSettings();
            ShardOwner owner = ShardOwner.start(settings, 0, values, m, aeronDirectory);
            rendezvous.publish("endpoint-" + worker, owner.endpoint());
            List<String> endpoints = rendezvous.awaitAll("endpoint-", plan.workers(), Rendezvous.deadline(plan.timeoutMs()));
            try (ShardedClient client = ShardedClient.connect(settings, owner, endpoints)) {
                rounds(client, values, result);
                result.setProperty("owner.bytesIn", Long.toString(owner.counters().bytesIn()));
                result.setProperty("owner.bytesOut", Long.toString(owner.counters().bytesOut()));
                result.setProperty("owner.refused", Long.toString(owner.counters().refusedTotal()));
            }
        } else {
            String server = rendezvous.await("server", Rendezvous.deadline(plan.timeoutMs()));
            int colon = server.lastIndexOf(':');
            ClientContext context = ClientContext.builder()
                    .server(server.substring(0, colon), Integer.parseInt(server.substring(colon + 1)))
                    .localHost(plan.host()).job(JOB, SECRET).worker(worker, 0).model(m, 0, CONFIG_HASH)
                    .mtu(plan.mtuBytes(), plan.termLength()).connectTimeoutMs(plan.timeoutMs()).build();
            try (ParameterServerClient client = ParameterServerClient.connect(context, hostAeron)) {
                rounds(client, values, result);
            }
        }
        return result;
    }

    private ShardedSettings shardedSettings() {
        int n = plan.workers();
        return ShardedSettings.builder().layout(new ShardLayout(plan.parameters(), 0, n)).worker(worker, 0)
                .host(plan.host()).job(JOB, SECRET).configHash(CONFIG_HASH)
                .rounds(RoundSettings.builder().expectedWorkers(n).quorum(n).roundTimeoutMs(plan.timeoutMs())
                        .heartbeatTimeoutMs(Math.max(RoundSettings.DEFAULT_HEARTBEAT_TIMEOUT_MS, plan.timeoutMs() / 4))
                        .build())
                .mtu(plan.mtuBytes(), plan.termLength()).connectTimeoutMs(plan.timeoutMs()).build();
    }

    private void rounds(RoundClient client, float[] values, Properties result) throws Exception {
        long round = client.join(false).round() + 1;
        int m = plan.parameters();
        int[] sampled = sampledIndices();
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        ByteBuffer bytes = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        long mismatches = 0;
        long linkBefore = measuresLink ? HostCounters.linkBytes() : 0;
        for (int r = 1; r <= plan.rounds(); r++, round++) {
            contributions.fill(round, worker, values, m);
            rendezvous.barrier("round" + round, worker, plan.workers(), Rendezvous.deadline(plan.timeoutMs()));
            long start = System.nanoTime();
            RoundClient.Averaged averaged = client.pushAndAwait(round, values, m, contributions.samples(round, worker),
                    plan.timeoutMs());
            long end = System.nanoTime();
            for (int index : sampled) {
                float expected = contributions.expectedMean(round, plan.workers(), index);
                if (Float.floatToRawIntBits(expected) != Float.floatToRawIntBits(averaged.values()[index])) {
                    mismatches++;
                }
            }
            result.setProperty("round." + r + ".startNs", Long.toString(start));
            result.setProperty("round." + r + ".endNs", Long.toString(end));
            result.setProperty("round." + r + ".sha256", digest(sha, bytes, averaged.values(), averaged.count()));
        }
        if (measuresLink) {
            result.setProperty("link.bytes", Long.toString(HostCounters.linkBytes() - linkBefore));
        }
        result.setProperty("checked", Long.toString((long) sampled.length * plan.rounds()));
        result.setProperty("mismatches", Long.toString(mismatches));
        // nobody closes (and so stops owning a range, or leaves the server) before every worker has its last round
        rendezvous.barrier("done", worker, plan.workers(), Rendezvous.deadline(plan.timeoutMs()));
    }

    /** Every shard's first and last index, then seeded random ones: the same in every JVM. */
    private int[] sampledIndices() {
        ShardLayout layout = new ShardLayout(plan.parameters(), 0, plan.workers());
        int[] indices = new int[2 * plan.workers() + SAMPLED_INDICES];
        int k = 0;
        for (int s = 0; s < plan.workers(); s++) {
            indices[k++] = layout.parameterStart(s);
            indices[k++] = layout.parameterStart(s) + layout.parameters(s) - 1;
        }
        SplittableRandom random = new SplittableRandom(plan.seed());
        while (k < indices.length) {
            indices[k++] = random.nextInt(plan.parameters());
        }
        return indices;
    }

    private static String digest(MessageDigest sha, ByteBuffer bytes, float[] values, int count) {
        sha.reset();
        FloatBuffer floats = bytes.asFloatBuffer();
        for (int offset = 0; offset < count; offset += floats.capacity()) {
            int length = Math.min(floats.capacity(), count - offset);
            floats.clear();
            floats.put(values, offset, length);
            sha.update(bytes.array(), 0, length * Float.BYTES);
        }
        return HexFormat.of().formatHex(sha.digest());
    }
}
