package io.averon.ps.protocol;

import java.security.SecureRandom;

/** Random 64-bit values that are never 0 (0 means "none" in every field they fill). */
public final class Nonces {

    private static final SecureRandom RANDOM = new SecureRandom();

    private Nonces() {
    }

    /** A random, non-zero 64-bit value (join sessions, challenge nonces, server and training runs). */
    public static long next() {
        long value;
        do {
            value = RANDOM.nextLong();
        } while (value == 0);
        return value;
    }
}
