package io.averon.benchmarks.sim;

import io.averon.ps.group.TaskGroup;
import io.averon.ps.transport.EmbeddedMediaDriver;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The JVM of one simulated host: runs its {@link HostPlan}'s workers, one thread each (in hierarchical
 * runs as one {@link TaskGroup}), and writes each worker's results to {@code result-<worker>.properties}
 * in the shared directory (or {@code failed-<worker>.txt}). Exits 0 when every worker finished, 1 otherwise. Started by
 * {@link SimulatedRun} inside the host's network namespace.
 */
public final class SimWorkerMain {

    private SimWorkerMain() {
    }

    public static void main(String[] args) throws Exception {
        HostPlan plan = HostPlan.parse(args);
        Rendezvous rendezvous = new Rendezvous(plan.directory());
        // the host's workers share one media driver, as the tasks of an executor do
        EmbeddedMediaDriver shared = EmbeddedMediaDriver.launch("sim-host-" + plan.firstWorker());
        rendezvous.publish("aeron-dir-host-" + plan.firstWorker(), shared.directory());
        // hierarchical: the host's workers average in memory, as the tasks of one executor do, and its first leads
        TaskGroup group = plan.hierarchical()
                ? TaskGroup.of("avsim-host-" + plan.firstWorker(), plan.workersOnHost(), plan.timeoutMs()) : null;
        ExecutorService pool = Executors.newFixedThreadPool(plan.workersOnHost());
        boolean ok = true;
        try {
            List<Future<Properties>> futures = new ArrayList<>();
            for (int i = 0; i < plan.workersOnHost(); i++) {
                SimWorker worker = new SimWorker(plan, plan.firstWorker() + i, rendezvous, group);
                futures.add(pool.submit(() -> worker.run(shared.aeron(), shared.directory())));
            }
            long waitMs = plan.timeoutMs() * (plan.rounds() + 3);
            for (int i = 0; i < futures.size(); i++) {
                int id = plan.firstWorker() + i;
                try {
                    Properties result = futures.get(i).get(waitMs, TimeUnit.MILLISECONDS);
                    HostCounters.driver(shared.aeron()).forEach((k, v) -> result.setProperty("driver." + k, Long.toString(v)));
                    write(plan, "result-" + id + ".properties", result);
                } catch (Exception e) {
                    ok = false;
                    Throwable cause = e.getCause() != null ? e.getCause() : e;
                    // when (wall clock, the test's too) and why: fault tests check both
                    rendezvous.publish(Rendezvous.failure(id), System.currentTimeMillis() + "\n" + cause);
                    cause.printStackTrace();
                }
            }
        } finally {
            pool.shutdownNow();
            shared.close();
        }
        System.exit(ok ? 0 : 1);
    }

    /**
     * Writes {@code values} as {@code name}, atomically. Through a {@link java.io.FileOutputStream}:
     * a channel's stream would take a temporary direct buffer as large as the file, which the JVM
     * caches per thread, and the sampled direct memory would grow with the samples the file holds.
     */
    static void write(HostPlan plan, String name, Properties values) throws IOException {
        java.nio.file.Path aside = plan.directory().resolve("." + name + ".tmp");
        try (OutputStream out = new java.io.FileOutputStream(aside.toFile())) {
            values.store(out, null);
        }
        Files.move(aside, plan.directory().resolve(name), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}
