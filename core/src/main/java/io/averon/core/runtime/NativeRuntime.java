package io.averon.core.runtime;

import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Applies {@link NativeSettings} to this JVM. Call {@link #configure} before anything touches
 * ND4J: the choice of native build is made when libnd4j loads and cannot change afterwards.
 */
public final class NativeRuntime {

    /** javacpp picks the {@code linux-x86_64-onednn} libnd4j build when this is {@code -onednn}. */
    static final String PLATFORM_EXTENSION_PROPERTY = "org.bytedeco.javacpp.platform.extension";
    /** DL4J's switch for its cuDNN/oneDNN layer helpers; DL4J defaults it to {@code true} (off). */
    static final String HELPERS_DISABLE_PROPERTY = "org.eclipse.deeplearning4j.helpers.disable";
    private static final String ONEDNN_EXTENSION = "-onednn";
    private static final Logger LOG = LoggerFactory.getLogger(NativeRuntime.class);

    private NativeRuntime() {
    }

    /**
     * Selects the native build and helper switch (before ND4J loads), then sets thread counts.
     * If ND4J was already loaded with the other build, the build stays and a warning says so.
     *
     * @return the effective settings, as {@link #describe()} reports them
     */
    public static Map<String, Object> configure(NativeSettings settings) {
        String wanted = settings.oneDnn() ? ONEDNN_EXTENSION : "";
        String current = System.getProperty(PLATFORM_EXTENSION_PROPERTY);
        if (current == null) {
            if (settings.oneDnn()) {
                System.setProperty(PLATFORM_EXTENSION_PROPERTY, ONEDNN_EXTENSION);
            } else {
                System.setProperty(PLATFORM_EXTENSION_PROPERTY, "");
            }
        } else if (!current.equals(wanted)) {
            LOG.warn("ND4J native build already chosen ({}) in this JVM; cannot switch to {}",
                    current.isEmpty() ? "plain" : current, wanted.isEmpty() ? "plain" : wanted);
        }
        System.setProperty(HELPERS_DISABLE_PROPERTY, Boolean.toString(!settings.oneDnn()));
        Nd4j.getEnvironment().allowHelpers(settings.oneDnn());
        Nd4j.getEnvironment().setMaxThreads(settings.threads());
        Nd4j.getEnvironment().setMaxMasterThreads(settings.threads());
        Nd4j.factory().blas().setMaxThreads(settings.threads());
        Map<String, Object> effective = describe();
        LOG.info("ND4J native runtime: {}", effective);
        return effective;
    }

    /** Whether libnd4j's oneDNN build is loaded and reports oneDNN in use. */
    public static boolean oneDnnActive() {
        return org.nd4j.nativeblas.Nd4jCpu.Environment.getInstance().isUseMKLDNN()
                && ONEDNN_EXTENSION.equals(System.getProperty(PLATFORM_EXTENSION_PROPERTY));
    }

    /** The effective native settings of this JVM, for logs and provenance. */
    public static Map<String, Object> describe() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("backend", Nd4j.getExecutioner().getEnvironmentInformation().getProperty("backend"));
        out.put("build", ONEDNN_EXTENSION.equals(System.getProperty(PLATFORM_EXTENSION_PROPERTY)) ? "onednn" : "plain");
        out.put("onednn_active", oneDnnActive());
        out.put("dl4j_helpers", !Boolean.parseBoolean(System.getProperty(HELPERS_DISABLE_PROPERTY, "true"))
                && Nd4j.getEnvironment().helpersAllowed());
        // libnd4j 1.0.0-M2.1 ignores setMaxThreads (its pool size comes from OMP_NUM_THREADS / SD_MAX_THREADS
        // at load time); ops run on maxMasterThreads threads, which configure() does set.
        out.put("threads", Nd4j.getEnvironment().maxMasterThreads());
        out.put("thread_pool", Nd4j.getEnvironment().maxThreads());
        out.put("omp_wait_policy", System.getenv().getOrDefault("OMP_WAIT_POLICY", "(unset)"));
        out.put("omp_num_threads", System.getenv().getOrDefault("OMP_NUM_THREADS", "(unset)"));
        return out;
    }
}
