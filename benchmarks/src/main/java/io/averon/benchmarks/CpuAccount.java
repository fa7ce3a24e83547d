package io.averon.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where a timed interval's CPU went: this JVM's threads grouped by role (user + kernel time, so a
 * media driver's socket calls count as its own), the rest of the JVM (GC, JIT: the process's CPU
 * time minus its live threads'), and the whole machine's busy share ({@code /proc/stat}, every
 * process). {@link #take} a snapshot before and after; {@link Usage#between} subtracts them.
 */
final class CpuAccount {

    /** The role groups, in the order they are printed. */
    static final String[] GROUPS = {"server agents", "workers", "server's driver", "workers' driver", "Aeron clients",
        "other threads", "JVM (GC, JIT)"};

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    /** CPU nanoseconds by group and the machine's jiffies, at one instant. */
    record Snapshot(long nanoTime, Map<String, Long> byGroup, long machineBusy, long machineTotal) {
    }

    /** What an interval used: wall time, CPU nanoseconds by group, and the machine's busy share (0..1). */
    record Usage(long wallNs, Map<String, Long> byGroup, double machineBusyShare) {

        static Usage between(Snapshot from, Snapshot to) {
            Map<String, Long> used = new LinkedHashMap<>();
            for (String group : GROUPS) {
                used.put(group, to.byGroup().get(group) - from.byGroup().get(group));
            }
            double total = to.machineTotal() - from.machineTotal();
            return new Usage(to.nanoTime() - from.nanoTime(), used,
                    total == 0 ? Double.NaN : (to.machineBusy() - from.machineBusy()) / total);
        }

        /** This JVM's CPU nanoseconds in all groups. */
        long jvmNs() {
            return byGroup.values().stream().mapToLong(Long::longValue).sum();
        }

        Usage plus(Usage other) {
            Map<String, Long> sum = new LinkedHashMap<>(byGroup);
            other.byGroup.forEach((group, ns) -> sum.merge(group, ns, Long::sum));
            double busy = (machineBusyShare * wallNs + other.machineBusyShare * other.wallNs) / (wallNs + other.wallNs);
            return new Usage(wallNs + other.wallNs, sum, busy);
        }
    }

    private CpuAccount() {
    }

    static Snapshot take() {
        Map<String, Long> byGroup = new LinkedHashMap<>();
        for (String group : GROUPS) {
            byGroup.put(group, 0L);
        }
        long threadsNs = 0;
        long[] ids = THREADS.getAllThreadIds();
        ThreadInfo[] infos = THREADS.getThreadInfo(ids);
        for (int i = 0; i < ids.length; i++) {
            long ns = THREADS.getThreadCpuTime(ids[i]);
            if (infos[i] != null && ns > 0) {
                byGroup.merge(group(infos[i].getThreadName()), ns, Long::sum);
                threadsNs += ns;
            }
        }
        byGroup.put("JVM (GC, JIT)", OS.getProcessCpuTime() - threadsNs);
        long[] machine = MachineCpu.jiffies();
        return new Snapshot(System.nanoTime(), byGroup, machine[0], machine[1]);
    }

    private static String group(String thread) {
        if (thread.startsWith("averon-parameter-server")) {
            return "server agents";
        }
        if (thread.startsWith("round-worker-")) {
            return "workers";
        }
        if (thread.contains("sender") || thread.contains("receiver") || thread.contains("driver-conductor")) {
            return thread.contains("averon-" + LoopbackRounds.WORKERS_DRIVER) ? "workers' driver" : "server's driver";
        }
        return thread.startsWith("aeron-client") ? "Aeron clients" : "other threads";
    }
}
