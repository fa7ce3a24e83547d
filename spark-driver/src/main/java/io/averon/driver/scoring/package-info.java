/**
 * Using a trained model in Spark: {@link io.averon.driver.scoring.BatchScorer} scores a
 * {@code Dataset<Row>} with a verified {@link io.averon.driver.scoring.ScoringModel}, and
 * {@link io.averon.driver.scoring.SparkEvaluation} computes held-out metrics in tasks and merges them.
 */
package io.averon.driver.scoring;
