package io.averon.driver.spark;

import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

@Tag("fast")
class ExecutorRuntimeTest {

    private static final long MIB = 1024L * 1024;

    @Test
    void shouldGiveNd4jEightyPercentOfTheMemoryOverheadAndTheProcessHeapPlusOverhead() {
        SparkConf conf = new SparkConf(false).set("spark.executor.memory", "4g")
                .set("spark.executor.memoryOverhead", "2g");
        ExecutorRuntime.Limits limits = ExecutorRuntime.limits(conf);
        assertEquals(2048 * MIB, limits.overheadBytes());
        assertEquals(2048 * MIB / 10 * 8, limits.maxBytes());
        assertEquals(6144 * MIB, limits.maxPhysicalBytes());
    }

    @Test
    void shouldDefaultTheOverheadAsSparkDoesWhenItIsNotSet() {
        // max(384 MiB, 10% of the executor memory), or the configured factor
        assertEquals(384 * MIB, ExecutorRuntime.limits(new SparkConf(false).set("spark.executor.memory", "1g"))
                .overheadBytes());
        assertEquals(1024 * MIB, ExecutorRuntime.limits(new SparkConf(false).set("spark.executor.memory", "10g"))
                .overheadBytes());
        assertEquals(2560 * MIB, ExecutorRuntime.limits(new SparkConf(false).set("spark.executor.memory", "10g")
                .set("spark.executor.memoryOverheadFactor", "0.25")).overheadBytes());
        // a bare number is MiB, as in Spark
        assertEquals(1500 * MIB, ExecutorRuntime.limits(new SparkConf(false).set("spark.executor.memoryOverhead", "1500"))
                .overheadBytes());
    }
}
