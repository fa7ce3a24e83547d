package io.averon.benchmarks.sim;

import io.aeron.Aeron;
import io.averon.ps.ClientContext;
import io.averon.ps.ParameterServerClient;
import io.averon.ps.RoundClient;
import io.averon.ps.group.TaskGroup;
import io.averon.ps.round.RoundSettings;
import io.averon.ps.shard.ShardLayout;
import io.averon.ps.shard.ShardOwner;
import io.averon.ps.shard.ShardedClient;
import io.averon.ps.shard.ShardedSettings;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.SplittableRandom;

/**
 * One simulated worker: joins the rounds (as a parameter-server client, or as a shard owner and
 * sharded client; in hierarchical runs as a member of its host's {@link TaskGroup}, whose leader
 * alone connects upstream), then per round fills its synthetic contribution, waits at a file
 * barrier so every worker starts the round together, pushes and awaits the average, and checks it:
 * the exact expected value at sampled indices (every shard's first and last value among them) and
 * a SHA-256 of the whole averaged vector, which the run compares across workers and runs.
 */
final class SimWorker {

    /** The job's secret: one per seed, so that two runs on one cluster are two jobs that must not mix. */
    static byte[] secret(long seed) {
        return ("simulated-cluster-secret-0123456789abcdef-" + seed).getBytes(StandardCharsets.US_ASCII);
    }

    static final byte[] CONFIG_HASH = new byte[32];
    static final String JOB = "avsim";
    private static final int SAMPLED_INDICES = 256;
    /**
     * Owners and clients pick a free UDP port (bind to port 0, close) and then bind it in the media
     * driver: workers of one host JVM, one network namespace, that did so at once picked the same
     * port ("Address already in use"), so they connect one at a time.
     */
    private static final Object BINDING = new Object();

    private final HostPlan plan;
    private final int worker;
    private final Rendezvous rendezvous;
    private final SyntheticContributions contributions;
    private final boolean measuresLink;
    private final TaskGroup group;
    private ShardOwner owner;

    /** Worker {@code worker} of {@code plan}; {@code group} is its host's task group, null in flat runs. */
    SimWorker(HostPlan plan, int worker, Rendezvous rendezvous, TaskGroup group) {
        this.plan = plan;
        this.worker = worker;
        this.rendezvous = rendezvous;
        this.contributions = new SyntheticContributions(plan.seed());
        this.measuresLink = worker == plan.firstWorker(); // one link per host, read by its first worker
        this.group = group;
    }

    /** Runs every round on the host's media driver ({@code aeronDirectory}, whose client {@code hostAeron} is). */
    Properties run(Aeron hostAeron, String aeronDirectory) throws Exception {
        int m = plan.parameters();
        float[] values = new float[m]; // round 0's global vector (zeros), then each round's contribution
        Properties result = new Properties();
        int member = worker - plan.firstWorker();
        if (group != null && member == 0) {
            try {
                group.lead(connect(plan.firstWorker() / plan.workersPerHost(), plan.workersOnHost(), hostAeron,
                        aeronDirectory, values));
            } catch (RuntimeException e) {
                group.fail(e);
                throw e;
            }
        }
        try (RoundClient client = group != null ? group.member(member)
                : connect(worker, 1, hostAeron, aeronDirectory, values)) {
            rounds(client, values, result, Path.of(aeronDirectory));
            if (owner != null) {
                result.setProperty("owner.bytesIn", Long.toString(owner.counters().bytesIn()));
                result.setProperty("owner.bytesOut", Long.toString(owner.counters().bytesOut()));
                result.setProperty("owner.refused", Long.toString(owner.counters().refusedTotal()));
            }
        }
        return result;
    }

    /**
     * Connects upstream as worker {@code id} of the rounds across the network, standing for
     * {@code tasks} tasks: a shard owner and sharded client (the owner's start vector is
     * {@code start}), or a parameter-server client.
     */
    private RoundClient connect(int id, int tasks, Aeron hostAeron, String aeronDirectory, float[] start) {
        if (plan.mode() == AveragingMode.SHARDED) {
            ShardedSettings settings = shardedSettings(id);
            synchronized (BINDING) {
                owner = ShardOwner.start(settings, 0, start, plan.parameters(), aeronDirectory);
            }
            rendezvous.publish("endpoint-" + id, owner.endpoint());
            List<String> endpoints = rendezvous.awaitAll("endpoint-", plan.upstreamWorkers(),
                    Rendezvous.deadline(plan.timeoutMs()));
            synchronized (BINDING) {
                return ShardedClient.connect(settings, owner, endpoints);
            }
        }
        String server = rendezvous.await("server", Rendezvous.deadline(plan.timeoutMs()));
        int colon = server.lastIndexOf(':');
        ClientContext context = ClientContext.builder()
                .server(server.substring(0, colon), Integer.parseInt(server.substring(colon + 1)))
                .localHost(plan.host()).job(JOB, secret(plan.seed())).worker(id, 0).tasks(tasks).model(plan.parameters(), 0, CONFIG_HASH)
                .mtu(plan.mtuBytes(), plan.termLength()).connectTimeoutMs(plan.timeoutMs()).build();
        synchronized (BINDING) {
            return ParameterServerClient.connect(context, hostAeron);
        }
    }

    private ShardedSettings shardedSettings(int id) {
        int n = plan.upstreamWorkers();
        return ShardedSettings.builder().layout(new ShardLayout(plan.parameters(), 0, n)).worker(id, 0)
                .host(plan.host()).job(JOB, secret(plan.seed())).configHash(CONFIG_HASH)
                .rounds(RoundSettings.builder().expectedWorkers(n).quorum(n).roundTimeoutMs(plan.timeoutMs())
                        .heartbeatTimeoutMs(plan.heartbeatTimeoutMs())
                        .build())
                .mtu(plan.mtuBytes(), plan.termLength()).connectTimeoutMs(plan.timeoutMs()).build();
    }

    /**
     * Pushes each round from the one after the server's last closed round (a resumed run starts
     * later) to {@code plan.rounds()}, and checks each result: the exact mean of every worker, or
     * (when the quorum lets a round close without some) of the contributors it was, which it records;
     * the host's first worker samples the JVM's {@link ResourceUsage} when the plan asks.
     */
    private void rounds(RoundClient client, float[] values, Properties result, Path aeronDirectory) throws Exception {
        int m = plan.parameters();
        int[] sampled = sampledIndices();
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        ByteBuffer bytes = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        long mismatches = 0;
        long checked = 0;
        long linkBefore = measuresLink ? HostCounters.linkBytes() : 0;
        for (long round = client.join(false).round() + 1; round <= plan.rounds(); round++) {
            contributions.fill(round, worker, values, m);
            rendezvous.barrier("round" + round, worker, plan.workers(), Rendezvous.deadline(plan.timeoutMs()));
            rendezvous.holdIfAsked("round" + round + "-" + worker, Rendezvous.deadline(plan.timeoutMs()));
            long start = System.nanoTime();
            RoundClient.Averaged averaged = client.pushAndAwait(round, values, m, contributions.samples(round, worker),
                    plan.workerWaitMs());
            long end = System.nanoTime();
            int[] contributors = contributorsOf(round, averaged.values(), sampled);
            if (contributors == null) {
                for (int index : sampled) {
                    float expected = contributions.expectedMean(round, plan.workers(), plan.groupSize(), index);
                    if (Float.floatToRawIntBits(expected) != Float.floatToRawIntBits(averaged.values()[index])) {
                        mismatches++;
                    }
                }
            }
            checked += sampled.length;
            result.setProperty("round." + round + ".startNs", Long.toString(start));
            result.setProperty("round." + round + ".endNs", Long.toString(end));
            result.setProperty("round." + round + ".sha256", digest(sha, bytes, averaged.values(), averaged.count()));
            result.setProperty("round." + round + ".contributors", contributors == null ? "none"
                    : java.util.Arrays.toString(contributors));
            if (measuresLink && plan.samplesAfter(round)) { // the host JVM's resources, by its first worker
                ResourceUsage.sample(aeronDirectory).writeTo(result, HostPlan.usagePrefix(round));
            }
        }
        if (measuresLink) {
            result.setProperty("link.bytes", Long.toString(HostCounters.linkBytes() - linkBefore));
        }
        result.setProperty("checked", Long.toString(checked));
        result.setProperty("mismatches", Long.toString(mismatches));
        // nobody closes (and so stops owning a range, or leaves the server) before every worker has its last round
        rendezvous.barrier("done", worker, plan.workers(), Rendezvous.deadline(plan.timeoutMs()));
    }

    /**
     * The workers whose exact mean {@code averaged} is at every sampled index: all of them, or, if
     * the quorum allows fewer, the largest set of at least the quorum that includes this worker;
     * null when none is.
     */
    private int[] contributorsOf(long round, float[] averaged, int[] sampled) {
        int n = plan.workers();
        int[] all = java.util.stream.IntStream.range(0, n).toArray();
        if (meanOf(round, all, averaged, sampled)) {
            return all;
        }
        for (int size = n - 1; size >= plan.quorum(); size--) {
            for (int left = 0; left < 1 << n; left++) { // sets without n - size workers
                if (Integer.bitCount(left) != n - size || (left & 1 << worker) != 0) {
                    continue;
                }
                int mask = left;
                int[] set = java.util.stream.IntStream.range(0, n).filter(w -> (mask & 1 << w) == 0).toArray();
                if (meanOf(round, set, averaged, sampled)) {
                    return set;
                }
            }
        }
        return null;
    }

    private boolean meanOf(long round, int[] contributors, float[] averaged, int[] sampled) {
        for (int index : sampled) {
            float expected = contributors.length == plan.workers()
                    ? contributions.expectedMean(round, plan.workers(), plan.groupSize(), index)
                    : contributions.expectedMean(round, contributors, index);
            if (Float.floatToRawIntBits(expected) != Float.floatToRawIntBits(averaged[index])) {
                return false;
            }
        }
        return true;
    }

    /** Every shard's first and last index, then seeded random ones: the same in every JVM. */
    private int[] sampledIndices() {
        ShardLayout layout = new ShardLayout(plan.parameters(), 0, plan.upstreamWorkers());
        int[] indices = new int[2 * plan.upstreamWorkers() + SAMPLED_INDICES];
        int k = 0;
        for (int s = 0; s < plan.upstreamWorkers(); s++) {
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
