package io.averon.driver.training;

import io.averon.core.InvalidInputException;

import java.io.Serializable;

/**
 * Fault injection for tests, outside every public configuration: the Spark property
 * {@value #CONF_KEY}{@code =WORKER:EPOCH:BATCH[:always]} (a system property of the driver, as tests
 * set it) makes the task of that worker throw just before that minibatch (1-based) of that epoch,
 * in its first attempt only or in every attempt.
 */
record FailureHook(int worker, int epoch, int batch, boolean always) implements Serializable {

    /** The Spark property that injects the failure. */
    static final String CONF_KEY = "spark.averon.test.fail-at";

    /** The hook {@code conf} asks for, or null (the normal case). */
    static FailureHook from(org.apache.spark.SparkConf conf) {
        return conf.contains(CONF_KEY) ? parse(conf.get(CONF_KEY)) : null;
    }

    static FailureHook parse(String spec) {
        String[] parts = spec.split(":");
        try {
            if (parts.length < 3 || parts.length > 4 || parts.length == 4 && !parts[3].equals("always")) {
                throw new NumberFormatException();
            }
            return new FailureHook(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]), Integer.parseInt(parts[2]),
                    parts.length == 4);
        } catch (NumberFormatException e) {
            throw new InvalidInputException(CONF_KEY + " must look like WORKER:EPOCH:BATCH[:always], got '" + spec + "'");
        }
    }

    void check(int workerId, int attempt, int currentEpoch, int currentBatch) {
        if (workerId == worker && currentEpoch == epoch && currentBatch == batch && (always || attempt == 0)) {
            throw new InjectedFailure("test hook: worker " + workerId + " fails at epoch " + currentEpoch + ", minibatch "
                    + currentBatch + " (attempt " + attempt + ")");
        }
    }

    /** The injected failure (a distinct type, so tests can tell it from real ones). */
    static final class InjectedFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        InjectedFailure(String message) {
            super(message);
        }
    }
}
