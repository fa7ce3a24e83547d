package io.averon.driver.training;

import io.averon.core.model.AveronModel;
import io.averon.core.train.TrainingConfig;

import java.io.Serializable;

/**
 * Everything a training task needs, shipped to executors inside the (Spark-serialized) task: the
 * model configuration, where the parameter server (or, for sharded averaging, what the workers
 * start from: {@code sharded}) and the driver's report
 * endpoint are, and the job secret (through Spark, never argv). {@code runId} is this training run's
 * random id: the driver's report receiver refuses reports of any other run, and a long-lived
 * parameter server starts its rounds over when a new run joins ({@code resumed}: unless it resumes).
 * {@code hierarchical}: tasks that share an executor average among themselves first
 * ({@link TaskRounds}).
 */
record TaskPlan(String jobName, byte[] secret, long runId, boolean resumed, String serverHost, int serverPort, String driverHost, int reportPort,
                TrainingConfig training, ShardPlan shards, AveronModel.Kind kind, String configJson,
                long parameterCount, long updaterStateCount, byte[] configHash, boolean convolutional, int threads,
                boolean deterministic, long roundTimeoutMs, long heartbeatTimeoutMs, long connectTimeoutMs, int mtuBytes,
                FailureHook failAt, SyncPolicy sync, io.averon.ps.protocol.Encoding compression, ShardedPlan sharded,
                boolean hierarchical)
        implements Serializable {

    /** Whether the workers average among themselves ({@code sharded} is set) rather than through a server. */
    boolean isSharded() {
        return sharded != null;
    }

    /** Floats pushed per round: parameters, then updater state. */
    int vectorLength() {
        return (int) (parameterCount + updaterStateCount);
    }

    @Override
    public String toString() { // never print the secret
        return "TaskPlan[job=" + jobName + ", server=" + (isSharded() ? "sharded among the workers" : serverHost + ":"
                + serverPort) + ", driver=" + driverHost + ":"
                + reportPort + ", shards=" + shards + ", threads=" + threads + "]";
    }
}
