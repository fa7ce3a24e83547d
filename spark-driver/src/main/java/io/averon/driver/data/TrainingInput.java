package io.averon.driver.data;

import io.averon.core.data.DataSpec;
import io.averon.core.data.TrainTestData;
import io.averon.core.io.Location;
import io.averon.core.settings.SettingValues;

import java.util.Map;

/**
 * What a training run reads, for either engine: files or URIs named by a {@link DataSpec} (CSV,
 * image folders, IDX, Fashion-MNIST), a Parquet data set written by {@code averon import},
 * data already in Spark ({@link SparkData}: a {@code JavaRDD<DataSet>} or a {@code Dataset<Row>}),
 * or a data set loaded in this JVM. The local engine trains on files and loaded data; the Spark
 * engine on all four.
 */
public sealed interface TrainingInput {

    /** The data {@code spec} names: a Parquet data set written by {@code averon import} when it is one, else files. */
    static TrainingInput of(DataSpec spec) {
        Location dataset = AveronDataset.named(spec.source());
        return dataset != null ? new Imported(dataset, spec) : new Files(spec);
    }

    /** Data already in Spark, with its held-out part. */
    static TrainingInput of(SparkData data) {
        return new InSpark(data);
    }

    /** A data set loaded in this JVM, split and normalised ({@code DataSources.loadForTraining}). */
    static TrainingInput of(TrainTestData data) {
        return new InMemory(data);
    }

    /** What metrics.json's {@code config} records about the input. */
    Map<String, Object> settings();

    /** Where the data comes from, in words: the files or URIs, the data in Spark, the data set's name. */
    String source();

    /** Files or URIs each reader opens itself (Spark: every executor reads them and keeps its shard). */
    record Files(DataSpec spec) implements TrainingInput {
        @Override
        public Map<String, Object> settings() {
            return spec.settings();
        }

        @Override
        public String source() {
            return spec.source();
        }
    }

    /** A Parquet data set written by {@code averon import}; {@code spec} gives the split to make when it has none. */
    record Imported(Location dataset, DataSpec spec) implements TrainingInput {
        @Override
        public Map<String, Object> settings() {
            return spec.settings();
        }

        @Override
        public String source() {
            return spec.source();
        }
    }

    /** Data already in Spark. */
    record InSpark(SparkData data) implements TrainingInput {
        @Override
        public Map<String, Object> settings() {
            return new SettingValues().put(DataSpec.DATA, source()).toMap();
        }

        @Override
        public String source() {
            return "spark: " + data.describe();
        }
    }

    /** A data set in this JVM. */
    record InMemory(TrainTestData data) implements TrainingInput {
        @Override
        public Map<String, Object> settings() {
            return new SettingValues().put(DataSpec.DATA, source()).toMap();
        }

        @Override
        public String source() {
            return data.train().name();
        }
    }
}
