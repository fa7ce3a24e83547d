package io.averon.driver.scoring;

import io.averon.core.artifact.Manifest;
import io.averon.core.data.Normalizer;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;

import java.io.Serializable;
import java.util.TreeMap;

/**
 * A verified model on its way to the executors: its file's bytes broadcast once, and what a
 * scoring task needs to know of it without loading it (its input shape, normalisation, and the key
 * under which executors keep loaded copies, {@link ExecutorModels}).
 *
 * @param key the model file's entry checksums: equal keys, equal models
 */
public record ShippedModel(Broadcast<byte[]> bytes, String name, String key, boolean convolutional, int[] shape,
                           Normalizer normalizer) implements Serializable {

    /** Broadcasts {@code model}'s verified bytes through {@code spark}'s context. */
    public static ShippedModel broadcast(SparkSession spark, ScoringModel model) {
        Manifest m = model.manifest();
        Broadcast<byte[]> bytes = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(model.bytes());
        return new ShippedModel(bytes, model.name(), String.join(",", new TreeMap<>(m.entries()).values()),
                model.convolutional(), m.inputShape(), m.normalizer());
    }
}
