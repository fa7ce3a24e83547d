/**
 * Model presets ({@code linear}, {@code logistic}, {@code mlp}, {@code cnn}), DL4J JSON
 * configurations, and {@link io.averon.core.model.AveronModel}, the one wrapper that hides whether
 * a model is a DL4J {@code MultiLayerNetwork} or a {@code ComputationGraph}.
 */
package io.averon.core.model;
