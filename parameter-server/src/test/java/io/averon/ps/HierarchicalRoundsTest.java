package io.averon.ps;

import io.averon.ps.group.TaskGroup;
import io.averon.ps.protocol.Refusal;
import io.averon.ps.round.RoundSettings;
import io.averon.ps.shard.ShardLayout;
import io.averon.ps.shard.ShardOwner;
import io.averon.ps.shard.ShardedClient;
import io.averon.ps.shard.ShardedSettings;
import io.averon.ps.transport.EmbeddedMediaDriver;
import io.averon.ps.transport.Ports;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static io.averon.ps.PsTestSupport.contribution;
import static io.averon.ps.PsTestSupport.samples;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hierarchical rounds over a real parameter server and real sharded owners on loopback: tasks in
 * one JVM average in memory first and only each group's leader crosses the network, so the server
 * receives one vector per group instead of one per task, and every task gets the group-then-global
 * sample-weighted mean.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class HierarchicalRoundsTest {

    private static final int PARAMETERS = 20_000;
    private static final int ROUNDS = 4;
    /** Tasks 0-3 share one executor, tasks 4-5 another. */
    private static final int[][] GROUPS = {{0, 1, 2, 3}, {4, 5}};
    private static final int TASKS = 6;

    @Test
    void shouldSendOneVectorPerGroupToTheServerAndGiveEveryTaskTheGroupThenGlobalMean() throws Exception {
        int port = Ports.freeUdpPortPair();
        try (ParameterServer server = ParameterServer.start(PsTestSupport.server(port, TASKS, PARAMETERS).build())) {
            List<List<float[]>> results = runGroups("server-" + port, (group, leader, driver) -> ParameterServerClient.connect(
                    PsTestSupport.client(port, leader, PARAMETERS, driver).tasks(GROUPS[group].length).build()));

            for (int task = 0; task < TASKS; task++) {
                for (int r = 1; r <= ROUNDS; r++) {
                    float[] got = results.get(task).get(r - 1);
                    assertArrayEquals(groupThenGlobalMean(r), got, "task " + task + ", round " + r);
                    float[] flat = flatMean(r);
                    for (int i = 0; i < PARAMETERS; i += 997) {
                        assertEquals(flat[i], got[i], 1e-5, "the two-level mean is the flat mean up to rounding");
                    }
                }
            }
            ServerCounters.Snapshot counters = server.counters();
            assertEquals(ROUNDS, counters.roundsClosed());
            assertEquals(0, counters.refusedTotal(), () -> "refused: " + counters.refused());
            long vectorBytes = (long) PARAMETERS * Float.BYTES;
            // two leaders push a vector per round; six flat tasks would push six: at most 1/3 of the bytes
            assertTrue(counters.bytesIn() <= GROUPS.length * vectorBytes * ROUNDS * 1.1 + 50_000,
                    "the server received " + counters.bytesIn() + " bytes for " + ROUNDS + " rounds of "
                            + GROUPS.length + " group vectors of " + vectorBytes);
            assertTrue(counters.bytesIn() >= GROUPS.length * vectorBytes * ROUNDS, "both leaders pushed every round");
        }
    }

    @Test
    void shouldMakeTheGroupLeadersTheShardOwnersWhenShardedAndGiveTheSameMeans() throws Exception {
        ShardLayout layout = new ShardLayout(PARAMETERS, 0, GROUPS.length);
        String[] endpoints = new String[GROUPS.length];
        CountDownLatch started = new CountDownLatch(GROUPS.length);
        List<List<float[]>> results = runGroups("sharded", (group, leader, driver) -> {
            ShardedSettings settings = ShardedSettings.builder().layout(layout).worker(group, 0)
                    .job("hierarchical-sharded", PsTestSupport.SECRET).configHash(PsTestSupport.CONFIG_HASH)
                    .rounds(RoundSettings.builder().expectedWorkers(GROUPS.length).quorum(GROUPS.length)
                            .roundTimeoutMs(60_000).build())
                    .mtu(1408, 256 * 1024).build();
            ShardOwner owner = ShardOwner.start(settings, 0, contribution(0, -1, PARAMETERS), PARAMETERS, driver);
            endpoints[group] = owner.endpoint();
            started.countDown();
            try {
                started.await(); // what Spark's barrier allGather does for the executors
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return ShardedClient.connect(settings, owner, List.of(endpoints));
        });
        for (int task = 0; task < TASKS; task++) {
            for (int r = 1; r <= ROUNDS; r++) {
                assertArrayEquals(groupThenGlobalMean(r), results.get(task).get(r - 1), "task " + task + ", round " + r);
            }
        }
    }

    @Test
    void shouldFailTheOthersRoundNamingTheMemberThatLeftBeforePushing() throws Exception {
        int port = Ports.freeUdpPortPair();
        try (ParameterServer server = ParameterServer.start(PsTestSupport.server(port, 2, PARAMETERS).build());
             EmbeddedMediaDriver driver = EmbeddedMediaDriver.launch("test-group-left")) {
            TaskGroup group = TaskGroup.of("left-" + port, 2, 20_000);
            RoundClient leader = group.member(0);
            RoundClient other = group.member(1);
            group.lead(ParameterServerClient.connect(PsTestSupport.client(port, 0, PARAMETERS, driver.directory())
                    .tasks(2).build()));
            ExecutorService pool = Executors.newSingleThreadExecutor();
            try {
                Future<RoundClient.Joined> otherJoin = pool.submit(() -> other.join(false));
                assertEquals(0, leader.join(false).round());
                otherJoin.get(30, TimeUnit.SECONDS);
                leader.push(1, contribution(1, 0, PARAMETERS), PARAMETERS, 10, false, deadline());
                other.close(); // its task died before pushing round 1
                RoundFailedException failure = assertThrows(RoundFailedException.class,
                        () -> leader.awaitAveraged(1, deadline()));
                assertTrue(failure.getMessage().contains("member 1 left its task group before pushing round 1"),
                        failure.getMessage());
                assertEquals(0, server.counters().roundsClosed(), "nothing went upstream without member 1");
            } finally {
                pool.shutdownNow();
                leader.close();
            }
        }
    }

    @Test
    void shouldRefuseALeaderStandingForMoreTasksThanTheServerExpects() throws Exception {
        int port = Ports.freeUdpPortPair();
        try (ParameterServer server = ParameterServer.start(PsTestSupport.server(port, 2, PARAMETERS).build());
             EmbeddedMediaDriver driver = EmbeddedMediaDriver.launch("test-group-too-many")) {
            ParameterServerException refused = assertThrows(ParameterServerException.class, () -> {
                try (ParameterServerClient client = ParameterServerClient.connect(
                        PsTestSupport.client(port, 0, PARAMETERS, driver.directory()).tasks(3).build())) {
                    client.join(false);
                }
            });
            assertTrue(refused.getMessage().contains("stands for 3 training tasks; this server expects 2"),
                    refused.getMessage());
            // the worker repeats its JOIN until answered: each one is refused
            assertTrue(server.counters().refused().getOrDefault(Refusal.BAD_WORKER_ID, 0L) >= 1, "refusal counted");
        }
    }

    private static long deadline() {
        return System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    }

    /** Connects group {@code group}'s leader (task {@code leader}) upstream on the media driver in {@code driver}. */
    private interface Upstream {
        RoundClient connect(int group, int leader, String driver) throws Exception;
    }

    /** Every task pushes {@link #ROUNDS} rounds through its group; returns each task's averaged vectors. */
    private static List<List<float[]>> runGroups(String name, Upstream upstream) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(TASKS + GROUPS.length);
        List<EmbeddedMediaDriver> drivers = new ArrayList<>();
        try {
            List<Future<List<float[]>>> tasks = new ArrayList<>();
            for (int g = 0; g < GROUPS.length; g++) {
                EmbeddedMediaDriver driver = EmbeddedMediaDriver.launch("test-group-" + g); // one per executor
                drivers.add(driver);
                TaskGroup group = TaskGroup.of(name + "-" + g, GROUPS[g].length, 30_000);
                int groupIndex = g;
                pool.submit(() -> {
                    try {
                        group.lead(upstream.connect(groupIndex, GROUPS[groupIndex][0], driver.directory()));
                    } catch (Exception e) {
                        group.fail(new ParameterServerException("leader failed: " + e.getMessage()));
                    }
                    return null;
                });
                for (int m = 0; m < GROUPS[g].length; m++) {
                    int task = GROUPS[g][m];
                    RoundClient member = group.member(m);
                    tasks.add(pool.submit(() -> pushRounds(member, task)));
                }
            }
            List<List<float[]>> byTask = new ArrayList<>();
            for (Future<List<float[]>> task : tasks) {
                byTask.add(task.get(150, TimeUnit.SECONDS));
            }
            return byTask;
        } finally {
            pool.shutdownNow();
            drivers.forEach(EmbeddedMediaDriver::close);
        }
    }

    private static List<float[]> pushRounds(RoundClient member, int task) {
        try (member) {
            List<float[]> rounds = new ArrayList<>();
            long last = member.join(false).round();
            assertEquals(0, last);
            for (long r = 1; r <= ROUNDS; r++) {
                RoundClient.Averaged averaged = member.pushAndAwait(r, contribution(r, task, PARAMETERS), PARAMETERS,
                        weight(r, task), 60_000);
                rounds.add(Arrays.copyOf(averaged.values(), averaged.count()));
            }
            return rounds;
        }
    }

    /** Task {@code task}'s sample count in round {@code round}: never 0, so every group weighs something. */
    private static long weight(long round, int task) {
        return samples(round, task) + 1;
    }

    /** The mean of flat rounds: every task's vector weighted by its samples, in ascending task order. */
    private static float[] flatMean(long round) {
        double total = 0;
        double[] sum = new double[PARAMETERS];
        for (int task = 0; task < TASKS; task++) {
            total += weight(round, task);
            float[] x = contribution(round, task, PARAMETERS);
            for (int i = 0; i < PARAMETERS; i++) {
                sum[i] += (double) weight(round, task) * x[i];
            }
        }
        float[] mean = new float[PARAMETERS];
        for (int i = 0; i < PARAMETERS; i++) {
            mean[i] = (float) (sum[i] / total);
        }
        return mean;
    }

    /** Each group's mean (float), then their mean weighted by group samples, both in ascending order. */
    private static float[] groupThenGlobalMean(long round) {
        double total = 0;
        double[] sum = new double[PARAMETERS];
        for (int[] group : GROUPS) {
            long groupSamples = 0;
            double[] groupSum = new double[PARAMETERS];
            for (int task : group) {
                long n = weight(round, task);
                groupSamples += n;
                float[] x = contribution(round, task, PARAMETERS);
                for (int i = 0; i < PARAMETERS; i++) {
                    groupSum[i] += (double) n * x[i];
                }
            }
            for (int i = 0; i < PARAMETERS; i++) {
                sum[i] += (double) groupSamples * (float) (groupSum[i] / groupSamples);
            }
            total += groupSamples;
        }
        float[] mean = new float[PARAMETERS];
        for (int i = 0; i < PARAMETERS; i++) {
            mean[i] = (float) (sum[i] / total);
        }
        return mean;
    }
}
