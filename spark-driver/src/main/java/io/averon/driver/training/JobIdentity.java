package io.averon.driver.training;

import io.averon.core.InvalidInputException;

/**
 * A training job's name and secret, as an external parameter server ({@code averon ps}) was started
 * with them; the secret authenticates every message and is never logged.
 */
public record JobIdentity(String name, byte[] secret) {

    public JobIdentity {
        if (secret == null || secret.length < 32) {
            throw new InvalidInputException("the job secret must be at least 32 bytes");
        }
    }

    @Override
    public String toString() {
        return "JobIdentity[" + name + "]";
    }
}
