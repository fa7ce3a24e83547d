/**
 * The distributed engine: {@link io.averon.driver.spark.SparkTrainer} validates a run, starts the
 * parameter server and the report receiver, and runs one barrier stage in which every task
 * trains a replica on its shard and syncs through the parameter server; the driver merges the
 * workers' per-epoch metrics and receives the averaged model for checkpoints.
 */
package io.averon.driver.spark;
