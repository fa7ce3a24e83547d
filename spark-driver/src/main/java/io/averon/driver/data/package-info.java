/**
 * Data in Spark: {@link io.averon.driver.data.SparkData} (a {@code JavaRDD<DataSet>} or a
 * {@code Dataset<Row>} with a held-out part), {@link io.averon.driver.data.AveronDataset} (the Parquet
 * data sets {@code averon import} writes) and the feature-column encodings both use.
 */
package io.averon.driver.data;
