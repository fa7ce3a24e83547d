package io.averon.driver.spark;

import io.averon.core.runtime.NativeRuntime;
import io.averon.core.runtime.NativeSettings;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What an executor sets up before its first task touches ND4J: the off-heap limits of JavaCPP
 * (which ND4J allocates through), derived from the executor's memory settings, and the native
 * thread count (from the task's cores). Without limits JavaCPP allows off-heap memory up to the
 * heap size, so a container (YARN, Kubernetes) that counts heap + overhead kills the executor
 * before ND4J ever reclaims anything.
 *
 * <p>{@code maxbytes} (ND4J's arrays) = 80% of {@code spark.executor.memoryOverhead} (the rest is
 * left for Aeron's buffers, thread stacks and the JIT); {@code maxphysicalbytes} (the whole
 * process) = {@code spark.executor.memory} + {@code memoryOverhead}, the container's limit. The
 * overhead defaults as Spark's does: {@code max(384 MiB, memoryOverheadFactor (0.1) x memory)}.
 * A value given as {@code -Dorg.bytedeco.javacpp.maxbytes=...} in
 * {@code spark.executor.extraJavaOptions} wins. The effective values are logged once per JVM.
 */
public final class ExecutorRuntime {

    static final String MAX_BYTES = "org.bytedeco.javacpp.maxbytes";
    static final String MAX_PHYSICAL_BYTES = "org.bytedeco.javacpp.maxphysicalbytes";
    private static final long MIB = 1024L * 1024;
    private static final Logger LOG = LoggerFactory.getLogger(ExecutorRuntime.class);
    private static final Object LOCK = new Object();
    private static boolean limitsApplied;

    private ExecutorRuntime() {
    }

    /** Off-heap limits (once per executor JVM, before ND4J loads), then the native settings; returns those. */
    public static Map<String, Object> configure(NativeSettings settings) {
        SparkEnv env = SparkEnv.get();
        boolean first;
        synchronized (LOCK) {
            first = env != null && !"driver".equals(env.executorId()) && !limitsApplied;
            limitsApplied |= first;
        }
        if (!first) {
            return NativeRuntime.configure(settings);
        }
        Limits limits = limits(env.conf());
        boolean userSet = System.getProperty(MAX_BYTES) != null || System.getProperty(MAX_PHYSICAL_BYTES) != null;
        if (!userSet) {
            // read by JavaCPP when it loads, which NativeRuntime.configure makes happen (after choosing the build)
            System.setProperty(MAX_BYTES, Long.toString(limits.maxBytes()));
            System.setProperty(MAX_PHYSICAL_BYTES, Long.toString(limits.maxPhysicalBytes()));
        }
        Map<String, Object> nativeSettings = NativeRuntime.configure(settings);
        Map<String, Object> effective = new LinkedHashMap<>();
        effective.put("maxbytes", org.bytedeco.javacpp.Pointer.maxBytes());
        effective.put("maxphysicalbytes", org.bytedeco.javacpp.Pointer.maxPhysicalBytes());
        effective.put("executor_memory_mib", limits.memoryBytes() / MIB);
        effective.put("memory_overhead_mib", limits.overheadBytes() / MIB);
        effective.put("source", userSet ? "spark.executor.extraJavaOptions" : "derived from executor memory");
        LOG.info("executor native memory: {}", effective);
        if (!userSet && org.bytedeco.javacpp.Pointer.maxBytes() != limits.maxBytes()) {
            LOG.warn("JavaCPP was loaded in this executor before Averon could set its limits; they stay {}", effective);
        }
        return nativeSettings;
    }

    /** The executor's memory and the off-heap limits derived from it. */
    public record Limits(long memoryBytes, long overheadBytes, long maxBytes, long maxPhysicalBytes) {
    }

    public static Limits limits(SparkConf conf) {
        long memory = conf.getSizeAsBytes("spark.executor.memory", "1g");
        long overhead;
        if (conf.contains("spark.executor.memoryOverhead")) {
            overhead = conf.getSizeAsMb("spark.executor.memoryOverhead", "384m") * MIB;
        } else {
            double factor = conf.getDouble("spark.executor.memoryOverheadFactor", 0.1);
            overhead = Math.max(384 * MIB, (long) (factor * memory));
        }
        return new Limits(memory, overhead, overhead / 10 * 8, memory + overhead);
    }
}
