package io.averon.driver.training;

import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** When the job secret's trip inside Spark tasks deserves a warning. */
@Tag("fast")
class SecretTransportTest {

    @ParameterizedTest(name = "{0} authenticate={1} crypto={2} -> warn={3}")
    @CsvSource({
            "local[2], false, false, false",
            "local, false, false, false",
            "local[*], , , false",
            "spark://master:7077, false, false, true",
            "spark://master:7077, true, false, true",
            "spark://master:7077, false, true, true",
            "spark://master:7077, true, true, false",
            "spark://master:7077, TRUE, True, false",
            "yarn, , , true",
            "yarn, true, true, false",
            "k8s://https://api:6443, true, , true",
            "local-cluster[2;1;1024], false, false, true",
    })
    void shouldWarnOnlyWhenTheMasterIsNotLocalAndSparkRpcIsNotAuthenticatedAndEncrypted(String master,
            String authenticate, String crypto, boolean warn) {
        SparkConf conf = new SparkConf(false).set("spark.master", master);
        if (authenticate != null) {
            conf.set("spark.authenticate", authenticate);
        }
        if (crypto != null) {
            conf.set("spark.network.crypto.enabled", crypto);
        }

        Optional<String> warning = SecretTransport.warning(conf);

        assertEquals(warn, warning.isPresent(), () -> warning.orElse("no warning"));
        warning.ifPresent(w -> {
            assertTrue(w.contains("job secret") && w.contains("inside Spark tasks") && w.contains(master), w);
            assertTrue(w.contains("spark.authenticate") && w.contains("spark.network.crypto.enabled"), w);
            assertTrue(!w.contains("\n"), "one line");
        });
    }
}
