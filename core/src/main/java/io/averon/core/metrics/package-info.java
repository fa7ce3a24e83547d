/**
 * Evaluation metrics, kept apart from the training loss: {@link
 * io.averon.core.metrics.ClassificationMetrics} (accuracy, top-k accuracy, cross-entropy, per-class
 * precision/recall/F1 and the confusion matrix) and {@link io.averon.core.metrics.RegressionMetrics}
 * (MSE, MAE, R²). Both are mutable accumulators owned by one thread, and both are mergeable: each
 * Spark executor evaluates its partition into its own accumulator, and the driver combines the
 * partial results with {@code merge} into exactly what one accumulator fed every row would hold
 * (counts exactly; floating-point sums up to summation order). Results are rendered as a
 * human-readable report or as a JSON-ready map.
 */
package io.averon.core.metrics;
