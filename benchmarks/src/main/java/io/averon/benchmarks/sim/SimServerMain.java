package io.averon.benchmarks.sim;

import io.averon.ps.ParameterServer;
import io.averon.ps.ServerContext;
import io.averon.ps.ServerCounters;
import io.averon.ps.round.RoundSettings;
import io.averon.ps.transport.Ports;

import java.nio.file.Path;
import java.util.Properties;

/**
 * The JVM of host 0 in {@link AveragingMode#SERVER} runs: one {@link ParameterServer} bound to the
 * host's address, published as {@code server}, serving until every worker has passed the
 * {@code done} barrier; then its counters go to {@code server.properties}.
 */
public final class SimServerMain {

    private SimServerMain() {
    }

    /**
     * The server's counters, as {@code server-counters.properties}, rewritten every {@code periodMs}
     * by a daemon thread: a fault test reads them while the run goes on or after it failed. When the
     * plan asks, the JVM's {@link ResourceUsage} is sampled as the closed rounds pass each multiple of
     * {@code sampleEvery}, and kept in the file under the multiple's {@link HostPlan#usagePrefix}.
     */
    private static void publishCountersEvery(long periodMs, ParameterServer server, HostPlan plan) {
        Thread thread = new Thread(() -> {
            Properties usage = new Properties();
            long sampled = 0;
            try {
                while (true) {
                    Properties counters = counters(server.counters());
                    long closed = server.counters().roundsClosed();
                    if (plan.sampleEvery() > 0 && closed / plan.sampleEvery() > sampled / plan.sampleEvery()) {
                        sampled = closed / plan.sampleEvery() * plan.sampleEvery();
                        ResourceUsage.sample(Path.of(server.aeronDirectory())).writeTo(usage,
                                HostPlan.usagePrefix(sampled));
                    }
                    counters.putAll(usage);
                    SimWorkerMain.write(plan, "server-counters.properties", counters);
                    Thread.sleep(periodMs);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (java.io.IOException | RuntimeException e) {
                System.err.println("server counters no longer published: " + e);
            }
        }, "sim-server-counters");
        thread.setDaemon(true);
        thread.start();
    }

    static Properties counters(ServerCounters.Snapshot counters) {
        Properties p = new Properties();
        p.setProperty("roundsClosed", Long.toString(counters.roundsClosed()));
        p.setProperty("roundsFailed", Long.toString(counters.roundsFailed()));
        p.setProperty("workersDeclaredDead", Long.toString(counters.workersDeclaredDead()));
        p.setProperty("workersExcluded", Long.toString(counters.workersExcluded()));
        p.setProperty("lateContributions", Long.toString(counters.lateContributions()));
        p.setProperty("bytesIn", Long.toString(counters.bytesIn()));
        p.setProperty("bytesOut", Long.toString(counters.bytesOut()));
        p.setProperty("refused", Long.toString(counters.refusedTotal()));
        p.setProperty("handshakeBytesIn", Long.toString(counters.handshakeBytesIn()));
        p.setProperty("handshakeBytesOut", Long.toString(counters.handshakeBytesOut()));
        counters.refused().forEach((reason, n) -> p.setProperty("refused." + reason.name().toLowerCase(
                java.util.Locale.ROOT), Long.toString(n)));
        // per worker: how late its contributions completed after each round's first, summed (the straggler's is largest)
        for (int worker = 0; worker < counters.roundLagMs().size(); worker++) {
            p.setProperty("lagMs." + worker, Long.toString(counters.roundLagMs().get(worker)));
        }
        return p;
    }

    public static void main(String[] args) throws Exception {
        HostPlan plan = HostPlan.parse(args);
        Rendezvous rendezvous = new Rendezvous(plan.directory());
        int port = Ports.freeUdpPortPair();
        ServerContext context = ServerContext.builder().bind(plan.host(), port)
                .job(SimWorker.JOB, SimWorker.secret(plan.seed())).model(plan.parameters(), 0, SimWorker.CONFIG_HASH)
                .rounds(RoundSettings.builder().expectedWorkers(plan.workers()).quorum(plan.quorum())
                        .roundTimeoutMs(plan.timeoutMs())
                        .heartbeatTimeoutMs(plan.heartbeatTimeoutMs())
                        .build())
                .stateDirectory(plan.stateDirectory().isEmpty() ? null : Path.of(plan.stateDirectory()))
                .mtu(plan.mtuBytes(), plan.termLength()).build();
        try (ParameterServer server = ParameterServer.start(context)) {
            rendezvous.publish("aeron-dir-server", server.aeronDirectory());
            publishCountersEvery(SimulatedRun.SERVER_COUNTERS_PERIOD_MS, server, plan);
            long linkBefore = HostCounters.linkBytes();
            rendezvous.publish("server", plan.host() + ":" + port);
            rendezvous.awaitWorkers("done-", plan.workers(), Rendezvous.deadline(plan.timeoutMs() * (plan.rounds() + 3)));
            Properties result = counters(server.counters());
            result.setProperty("link.bytes", Long.toString(HostCounters.linkBytes() - linkBefore));
            SimWorkerMain.write(plan, "server.properties", result);
            Thread.sleep(500); // the workers' LEAVEs arrive while the server still listens
        }
        System.exit(0);
    }
}
