package io.averon.driver.training;

import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

@Tag("fast")
class DriverAddressTest {

    @Test
    void shouldBindToSparksBindAddressAndAdvertiseTheDriverHostWhenBothAreSet() {
        // Kubernetes: Spark binds the pod IP and executors reach the driver's service name
        SparkConf conf = new SparkConf(false).set("spark.driver.host", "averon-driver-svc.averon.svc")
                .set("spark.driver.bindAddress", "10.1.2.3");
        assertEquals(new DriverAddress("10.1.2.3", "averon-driver-svc.averon.svc"), DriverAddress.of(conf, null));
    }

    @Test
    void shouldBindAndAdvertiseTheDriverHostWhenNoBindAddressIsSet() {
        SparkConf conf = new SparkConf(false).set("spark.driver.host", "node-7");
        assertEquals(new DriverAddress("node-7", "node-7"), DriverAddress.of(conf, null));
        assertEquals(new DriverAddress("10.9.9.9", "10.9.9.9"), DriverAddress.of(conf, "10.9.9.9"),
                "Averon's own driver host setting wins");
    }
}
