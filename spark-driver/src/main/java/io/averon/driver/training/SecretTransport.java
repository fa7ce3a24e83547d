package io.averon.driver.training;

import org.apache.spark.SparkConf;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;
import java.util.Optional;

/**
 * The job secret of the parameter server reaches the executors inside the Spark task, so it is
 * only as private as Spark's RPC: on a cluster that needs {@code spark.authenticate=true} and
 * {@code spark.network.crypto.enabled=true}. This says so, once per training run, when either is
 * off on a non-local master. Local masters ({@code local}, {@code local[N]}) keep tasks in the
 * driver's JVM.
 */
final class SecretTransport {

    private static final Logger LOG = LoggerFactory.getLogger(SecretTransport.class);

    private SecretTransport() {
    }

    /** The warning for {@code conf}, if its master is not local and Spark's RPC is not authenticated and encrypted. */
    static Optional<String> warning(SparkConf conf) {
        String master = conf.get("spark.master", "local[*]");
        if (master.equals("local") || master.startsWith("local[")) {
            return Optional.empty();
        }
        boolean authenticated = isTrue(conf, "spark.authenticate");
        boolean encrypted = isTrue(conf, "spark.network.crypto.enabled");
        if (authenticated && encrypted) {
            return Optional.empty();
        }
        return Optional.of("the parameter server's job secret travels to the executors inside Spark tasks, but on "
                + master + " spark.authenticate=" + authenticated + " and spark.network.crypto.enabled=" + encrypted
                + ": whoever can reach Spark's ports can read it and forge parameter-server messages; set both to true "
                + "(standalone: also the same spark.authenticate.secret on the master, the workers and the driver; "
                + "YARN and Kubernetes generate it)");
    }

    /** Logs {@link #warning} as one WARN line, if there is one. */
    static void warnIfExposed(SparkConf conf) {
        warning(conf).ifPresent(LOG::warn);
    }

    private static boolean isTrue(SparkConf conf, String key) {
        return conf.get(key, "false").trim().toLowerCase(Locale.ROOT).equals("true");
    }
}
