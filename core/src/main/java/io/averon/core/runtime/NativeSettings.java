package io.averon.core.runtime;

/**
 * How this JVM's native ND4J backend should run.
 *
 * @param threads native threads for ND4J ops and BLAS (match the cores the task owns)
 * @param oneDnn  load libnd4j's oneDNN build and turn on DL4J's oneDNN layer helpers (pays for
 *                convolution and pooling; the plain build is faster for dense-only models)
 */
public record NativeSettings(int threads, boolean oneDnn) {

    public NativeSettings {
        if (threads < 1) {
            throw new IllegalArgumentException("native threads must be >= 1, got " + threads);
        }
    }

    /** One thread per available core, plain build. */
    public static NativeSettings defaults() {
        return new NativeSettings(Runtime.getRuntime().availableProcessors(), false);
    }
}
