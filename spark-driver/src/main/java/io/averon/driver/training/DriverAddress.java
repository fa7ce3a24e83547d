package io.averon.driver.training;

import org.apache.spark.SparkConf;

/**
 * Where the driver's UDP endpoints (the embedded parameter server, the report receiver) bind, and
 * the address executors send to, following Spark's own split: {@code spark.driver.bindAddress}
 * (e.g. the pod IP, or 0.0.0.0) to bind, {@code spark.driver.host} (e.g. a Kubernetes service name)
 * to advertise. Without a bind address both are the host.
 *
 * @param bind       the local address to bind
 * @param advertised the address executors use
 */
record DriverAddress(String bind, String advertised) {

    /** From Spark's settings; {@code configured} (Averon's own driver host setting) overrides both when set. */
    static DriverAddress of(SparkConf conf, String configured) {
        if (configured != null) {
            return new DriverAddress(configured, configured);
        }
        String host = conf.get("spark.driver.host", "127.0.0.1");
        return new DriverAddress(conf.get("spark.driver.bindAddress", host), host);
    }
}
