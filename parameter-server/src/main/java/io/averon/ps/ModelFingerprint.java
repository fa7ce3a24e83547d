package io.averon.ps;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * What identifies a model on the wire: its parameter count, the optimiser-state floats workers may
 * send after the parameters, and the SHA-256 of its configuration. Workers of one job must agree.
 *
 * @param parameterCount    floats in the parameter vector, &gt;= 1
 * @param updaterStateCount floats of optimiser state, &gt;= 0
 * @param configHash        SHA-256 of the model configuration (32 bytes)
 */
public record ModelFingerprint(long parameterCount, long updaterStateCount, byte[] configHash) {

    public ModelFingerprint {
        if (parameterCount < 1 || updaterStateCount < 0 || parameterCount + updaterStateCount > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("parameter count " + parameterCount + " / updater state "
                    + updaterStateCount + " out of range");
        }
        if (configHash == null || configHash.length != 32) {
            throw new IllegalArgumentException("config hash must be 32 bytes (SHA-256)");
        }
        configHash = configHash.clone();
    }

    /** Floats in a full contribution. */
    public int vectorLength() {
        return (int) (parameterCount + updaterStateCount);
    }

    /** Whether a joining worker's model fits: same parameters and config, no more updater state. */
    public boolean accepts(long parameters, long updaterState, byte[] hash) {
        return parameters == parameterCount && updaterState <= updaterStateCount && Arrays.equals(hash, configHash);
    }

    @Override
    public String toString() {
        return parameterCount + " parameters + " + updaterStateCount + " updater state (config "
                + HexFormat.of().formatHex(configHash, 0, 6) + ")";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelFingerprint f && f.parameterCount == parameterCount
                && f.updaterStateCount == updaterStateCount && Arrays.equals(f.configHash, configHash);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(parameterCount) * 31 + Arrays.hashCode(configHash);
    }
}
