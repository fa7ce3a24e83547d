package io.averon.driver.training;

import io.averon.ps.round.OuterOptimizer;
import io.averon.ps.round.RoundSettings;
import org.apache.spark.broadcast.Broadcast;

import java.io.Serializable;

/**
 * What the tasks of a sharded run need beyond the {@link TaskPlan}: the vector the run starts from
 * (the initial model, or the checkpoint it resumes) as a Spark broadcast, shipped once per
 * executor, the round it belongs to, and the rounds every shard owner runs.
 */
record ShardedPlan(Broadcast<float[]> start, long startRound, double outerLearningRate, double outerMomentum,
                   double maxUpdateNorm) implements Serializable {

    /** Every owner's rounds: all {@code workers} expected and needed. */
    RoundSettings rounds(int workers, long roundTimeoutMs, long heartbeatTimeoutMs) {
        return RoundSettings.builder().expectedWorkers(workers).quorum(workers).roundTimeoutMs(roundTimeoutMs)
                .heartbeatTimeoutMs(heartbeatTimeoutMs).outerOptimizer(OuterOptimizer.of(outerLearningRate, outerMomentum))
                .maxUpdateNorm(maxUpdateNorm).build();
    }
}
