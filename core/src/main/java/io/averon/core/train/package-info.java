/**
 * The local (single-JVM) trainer: epochs of shuffled minibatches, per-epoch evaluation, early
 * stopping, and the listener events ({@link io.averon.core.train.TrainingListener}) that the CLI
 * and the Spark driver reuse.
 */
package io.averon.core.train;
