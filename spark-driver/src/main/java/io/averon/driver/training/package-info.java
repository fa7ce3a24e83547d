/**
 * The distributed engine: {@link io.averon.driver.training.SparkTrainer} validates a run, starts the
 * parameter server (or none, with sharded averaging) and the report receiver, and runs one barrier
 * stage in which every task trains a replica on its shard ({@link io.averon.driver.training.TrainingTask})
 * and averages through the parameter server or with its peers; the driver merges the workers'
 * per-epoch reports ({@link io.averon.driver.training.WorkerEpochReport}, in
 * {@link io.averon.driver.training.EpochAggregator}) and receives the averaged
 * model for checkpoints. Shard planning ({@link io.averon.driver.training.ShardPlan}), the averaging
 * cadence and the learning-rate finder's Spark form live here too.
 */
package io.averon.driver.training;
