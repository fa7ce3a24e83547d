/**
 * Spark ML stages on top of the public training API: {@link io.averon.driver.ml.AveronClassifier}
 * and {@link io.averon.driver.ml.AveronRegressor} are {@code Estimator}s that train on the Spark
 * engine ({@code SparkEngine} with {@code SparkData.fromRows}) and return
 * {@link io.averon.driver.ml.AveronClassificationModel} / {@link io.averon.driver.ml.AveronRegressionModel},
 * which score in minibatches per partition with the code {@code BatchScorer} uses. They take Spark
 * ML vectors or arrays of numbers, fit in {@code Pipeline}s and {@code CrossValidator}s, and save
 * and load with Spark ML's persistence (the model's verified {@code model.zip} beside Spark's
 * metadata). Bad input or settings are refused by {@code transformSchema}, before any Spark job.
 */
package io.averon.driver.ml;
