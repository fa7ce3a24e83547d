/**
 * Averon's driver side, which joins {@code core} and {@code parameter-server} with Spark:
 * {@code run} (the public training API: trainers, model sources, run listeners, the output
 * directory), {@code training} (the Spark engine: sharding, barrier-stage training, averaging
 * cadence), {@code data} (training input: data in Spark, imported Parquet data sets),
 * {@code scoring} (batch scoring and distributed evaluation), {@code spark} (executor set-up shared
 * by the jobs) and {@code cli} (the command line, a thin mapping onto {@code run}).
 */
package io.averon.driver;
