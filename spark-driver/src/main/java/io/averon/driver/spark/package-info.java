/**
 * Spark plumbing shared by the training and scoring jobs: {@link io.averon.driver.spark.ExecutorRuntime}
 * sets up ND4J's native runtime inside an executor (threads, off-heap limits from Spark's memory
 * settings) once per JVM.
 */
package io.averon.driver.spark;
