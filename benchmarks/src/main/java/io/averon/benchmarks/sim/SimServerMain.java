package io.averon.benchmarks.sim;

import io.averon.ps.ParameterServer;
import io.averon.ps.ServerContext;
import io.averon.ps.ServerCounters;
import io.averon.ps.round.RoundSettings;
import io.averon.ps.transport.Ports;

import java.util.Properties;

/**
 * The JVM of host 0 in {@link AveragingMode#SERVER} runs: one {@link ParameterServer} bound to the
 * host's address, published as {@code server}, serving until every worker has passed the
 * {@code done} barrier; then its counters go to {@code server.properties}.
 */
public final class SimServerMain {

    private SimServerMain() {
    }

    public static void main(String[] args) throws Exception {
        HostPlan plan = HostPlan.parse(args);
        Rendezvous rendezvous = new Rendezvous(plan.directory());
        int port = Ports.freeUdpPortPair();
        ServerContext context = ServerContext.builder().bind(plan.host(), port)
                .job(SimWorker.JOB, SimWorker.SECRET).model(plan.parameters(), 0, SimWorker.CONFIG_HASH)
                .rounds(RoundSettings.builder().expectedWorkers(plan.workers()).quorum(plan.workers())
                        .roundTimeoutMs(plan.timeoutMs())
                        .heartbeatTimeoutMs(Math.max(RoundSettings.DEFAULT_HEARTBEAT_TIMEOUT_MS, plan.timeoutMs() / 4))
                        .build())
                .mtu(plan.mtuBytes(), plan.termLength()).build();
        try (ParameterServer server = ParameterServer.start(context)) {
            rendezvous.publish("aeron-dir-server", server.aeronDirectory());
            long linkBefore = HostCounters.linkBytes();
            rendezvous.publish("server", plan.host() + ":" + port);
            rendezvous.awaitAll("done-", plan.workers(), Rendezvous.deadline(plan.timeoutMs() * (plan.rounds() + 3)));
            ServerCounters.Snapshot counters = server.counters();
            Properties result = new Properties();
            result.setProperty("link.bytes", Long.toString(HostCounters.linkBytes() - linkBefore));
            result.setProperty("roundsClosed", Long.toString(counters.roundsClosed()));
            result.setProperty("bytesIn", Long.toString(counters.bytesIn()));
            result.setProperty("bytesOut", Long.toString(counters.bytesOut()));
            result.setProperty("refused", Long.toString(counters.refusedTotal()));
            SimWorkerMain.write(plan, "server.properties", result);
            Thread.sleep(500); // the workers' LEAVEs arrive while the server still listens
        }
        System.exit(0);
    }
}
