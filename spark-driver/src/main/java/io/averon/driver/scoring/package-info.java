/**
 * Using a trained model in Spark: {@link io.averon.driver.scoring.BatchScorer} scores a
 * {@code Dataset<Row>} with a verified {@link io.averon.driver.scoring.ScoringModel}, and
 * {@link io.averon.driver.scoring.SparkEvaluation} computes held-out metrics in tasks and merges them.
 * The pieces {@code BatchScorer} and the Spark ML models ({@code io.averon.driver.ml}) share:
 * {@link io.averon.driver.scoring.ShippedModel} (the model file's bytes broadcast once),
 * {@link io.averon.driver.scoring.MinibatchScoring} (one partition scored in minibatches, each
 * executor JVM keeping loaded copies) and {@link io.averon.driver.scoring.FeatureBatch} (one record's
 * features read into the minibatch buffer, or the reason it cannot be scored).
 */
package io.averon.driver.scoring;
