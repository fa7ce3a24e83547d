package io.averon.driver.cli;

import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * The Spark session of a CLI command: under {@code spark-submit} the master and settings come
 * from there; run directly, {@code --master} or {@code local[*]}.
 */
final class SparkSessions {

    static final String MIN_PARTITIONS = "spark.sql.files.minPartitionNum";

    private SparkSessions() {
    }

    /** Spark's configuration for {@code averon <command>}, with Averon's defaults where the user set nothing. */
    static SparkConf conf(String command, String master) {
        SparkConf conf = new SparkConf().setAppName("averon " + command);
        if (master != null) {
            conf.setMaster(master);
        } else if (!conf.contains("spark.master")) {
            conf.setMaster("local[*]");
        }
        // outputs appear only when their job commits (_SUCCESS); a failed job leaves none
        conf.setIfMissing("spark.hadoop.mapreduce.fileoutputcommitter.algorithm.version", "1");
        conf.setIfMissing("spark.ui.showConsoleProgress", "false");
        return conf;
    }

    /**
     * A command's session, stopped on close. (Spark 4's {@code SparkSession.close()} declares
     * {@code IOException}; stopping one throws nothing.)
     */
    record Session(SparkSession spark) implements AutoCloseable {
        @Override
        public void close() {
            spark.stop();
        }
    }

    /** A session for {@code averon <command>}; close it when done. */
    static Session start(String command, String master) {
        SparkSession spark = SparkSession.builder().config(conf(command, master)).getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        // Spark packs input files into about one partition per core; files are not split below a
        // Parquet row group, so a few uneven partitions leave cores idle in the last wave. Four
        // per core keep that tail short; large inputs are still split at spark.sql.files.maxPartitionBytes.
        if (!spark.conf().contains(MIN_PARTITIONS)) {
            spark.conf().set(MIN_PARTITIONS, Math.max(1, 4L * spark.sparkContext().defaultParallelism()));
        }
        return new Session(spark);
    }
}
