package io.averon.driver.training;

import io.averon.ps.ClientContext;
import io.averon.ps.ParameterServerClient;
import io.averon.ps.RoundClient;
import io.averon.ps.group.TaskGroup;
import io.averon.ps.shard.ShardLayout;
import io.averon.ps.shard.ShardOwner;
import io.averon.ps.shard.ShardedClient;
import io.averon.ps.shard.ShardedSettings;
import org.apache.spark.BarrierTaskContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * How a training task joins the rounds. Flat: a connection to the parameter server, or (sharded)
 * the range it owns plus a connection to every owner, whose addresses the tasks exchange through
 * Spark's barrier {@code allGather}. Hierarchical ({@link TaskPlan#hierarchical()}, when an
 * executor runs several tasks): the tasks of an executor form a {@link TaskGroup}; its leader alone
 * makes that connection, standing for the group (the server counts its tasks; sharded, the G
 * leaders own G ranges). Every task makes the same barrier calls in the same order. A relaunched
 * sharded stage starts from the newest round that every task's executor still holds
 * ({@link HeldRounds}), else from the run's start.
 */
final class TaskRounds {

    private static final Logger LOG = LoggerFactory.getLogger(TaskRounds.class);

    private final TaskPlan plan;
    private final BarrierTaskContext task;
    private final int worker;
    private final int attempt;
    private final String localHost;
    private final String aeronDirectory;
    private final ExecutorGroups groups;

    private TaskRounds(TaskPlan plan, BarrierTaskContext task, int worker, int attempt, String localHost,
                       String aeronDirectory) {
        this.plan = plan;
        this.task = task;
        this.worker = worker;
        this.attempt = attempt;
        this.localHost = localHost;
        this.aeronDirectory = aeronDirectory;
        String[] executors = Arrays.stream(task.getTaskInfos()).map(info -> info.address()).toArray(String[]::new);
        this.groups = plan.hierarchical() ? ExecutorGroups.byExecutor(executors) : ExecutorGroups.flat(executors.length);
    }

    /** This task's side of the rounds, connected and ready to {@link RoundClient#join}. */
    static RoundClient connect(TaskPlan plan, BarrierTaskContext task, int worker, int attempt, String localHost,
                               String aeronDirectory) {
        return new TaskRounds(plan, task, worker, attempt, localHost, aeronDirectory).connect();
    }

    private RoundClient connect() {
        if (groups.isFlat()) {
            return upstream(true);
        }
        int group = groups.groupOf(worker);
        int size = groups.members(group).length;
        TaskGroup taskGroup = TaskGroup.of("run-" + Long.toHexString(plan.runId()) + "-stage" + task.stageAttemptNumber()
                + "-group" + group, size, plan.connectTimeoutMs());
        RoundClient member = taskGroup.member(groups.memberIndex(worker));
        boolean leader = groups.isLeader(worker);
        if (leader) {
            LOG.info("worker {} leads task group {} of {} tasks {} on its executor; {} groups in all", worker, group,
                    size, Arrays.toString(groups.members(group)), groups.groups());
        }
        try {
            RoundClient upstream = upstream(leader);
            if (leader) {
                taskGroup.lead(upstream);
            }
            return member;
        } catch (RuntimeException e) {
            if (leader) {
                taskGroup.fail(e);
            }
            member.close();
            throw e;
        }
    }

    /**
     * The connection of this task's group across executors: made only if {@code participates}
     * (the leader, or every task when flat), but the barrier calls of the sharded mode are made by
     * every task; null for the others.
     */
    private RoundClient upstream(boolean participates) {
        int group = groups.groupOf(worker);
        if (!plan.isSharded()) {
            if (!participates) {
                return null;
            }
            ClientContext context = ClientContext.builder().server(plan.serverHost(), plan.serverPort())
                    .localHost(localHost).job(plan.jobName(), plan.secret()).worker(worker, attempt)
                    .tasks(groups.members(group).length)
                    .model(plan.parameterCount(), plan.updaterStateCount(), plan.configHash())
                    .connectTimeoutMs(plan.connectTimeoutMs()).run(plan.runId(), plan.resumed())
                    .mtu(plan.mtuBytes(), TrainingTask.TERM_LENGTH).aeronDirectory(aeronDirectory)
                    .compression(plan.compression()).build();
            return ParameterServerClient.connect(context);
        }
        ShardedPlan sharded = plan.sharded();
        String[] held = task.allGather(HeldRounds.rounds(plan.runId()).stream().map(String::valueOf)
                .collect(Collectors.joining(",")));
        long round = newestCommonRound(held, sharded.startRound());
        if (round != sharded.startRound() && participates) {
            LOG.info("worker {} (attempt {}): the workers resume from round {}, which every executor holds", worker,
                    attempt, round);
        }
        ShardedSettings settings = null;
        ShardOwner owner = null;
        if (participates) {
            float[] start = round == sharded.startRound() ? sharded.start().value() : HeldRounds.values(plan.runId(), round);
            settings = ShardedSettings.builder()
                    .layout(new ShardLayout((int) plan.parameterCount(), (int) plan.updaterStateCount(), groups.groups()))
                    .worker(group, attempt).host(localHost).job(plan.jobName(), plan.secret())
                    .configHash(plan.configHash())
                    .rounds(sharded.rounds(groups.groups(), plan.roundTimeoutMs(), plan.heartbeatTimeoutMs()))
                    .mtu(plan.mtuBytes(), TrainingTask.TERM_LENGTH).connectTimeoutMs(plan.connectTimeoutMs())
                    .run(plan.runId(), plan.resumed()).compression(plan.compression()).build();
            owner = ShardOwner.start(settings, round, start, start.length, aeronDirectory);
        }
        try {
            String[] endpoints = task.allGather(owner == null ? "" : owner.endpoint());
            if (owner == null) {
                return null;
            }
            List<String> owners = Arrays.stream(endpoints).filter(e -> !e.isEmpty()).toList();
            return ShardedClient.connect(settings, owner, owners);
        } catch (RuntimeException e) {
            if (owner != null) {
                owner.close();
            }
            throw e;
        }
    }

    /** The newest round held by every task (comma-separated lists), or {@code startRound}. */
    static long newestCommonRound(String[] heldByTask, long startRound) {
        Set<Long> common = null;
        for (String held : heldByTask) {
            Set<Long> rounds = new HashSet<>();
            for (String r : held.split(",")) {
                if (!r.isEmpty()) {
                    rounds.add(Long.parseLong(r));
                }
            }
            if (common == null) {
                common = rounds;
            } else {
                common.retainAll(rounds);
            }
        }
        return common == null ? startRound : common.stream().mapToLong(Long::longValue).filter(r -> r > startRound)
                .max().orElse(startRound);
    }
}
