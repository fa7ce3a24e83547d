package io.averon.driver.spark;

import io.averon.core.InvalidInputException;

import java.io.Serializable;

/**
 * Fault injection for tests ({@code --test-fail-at WORKER:EPOCH:BATCH[:always]}): the task of that
 * worker throws just before that minibatch (1-based) of that epoch, in its first attempt only or
 * in every attempt.
 */
record FailureHook(int worker, int epoch, int batch, boolean always) implements Serializable {

    static FailureHook parse(String spec) {
        String[] parts = spec.split(":");
        try {
            if (parts.length < 3 || parts.length > 4 || parts.length == 4 && !parts[3].equals("always")) {
                throw new NumberFormatException();
            }
            return new FailureHook(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]), Integer.parseInt(parts[2]),
                    parts.length == 4);
        } catch (NumberFormatException e) {
            throw new InvalidInputException("--test-fail-at must look like WORKER:EPOCH:BATCH[:always], got '" + spec + "'");
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
