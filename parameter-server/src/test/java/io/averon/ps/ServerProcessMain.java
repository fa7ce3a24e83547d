package io.averon.ps;

import io.aeron.Aeron;
import io.aeron.driver.status.SystemCounterDescriptor;
import io.averon.ps.protocol.Refusal;
import io.averon.ps.transport.EmbeddedMediaDriver;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A parameter server in its own JVM, so that a test can sample its memory alone. Arguments: port,
 * expected workers, parameters. Prints {@code READY} once listening, then every 250 ms
 * {@code SAMPLE <heap bytes used after a GC> <RSS kB> <bytes its media driver received>
 * <fragments dropped> <messages refused>}.
 */
public final class ServerProcessMain {

    private ServerProcessMain() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int workers = Integer.parseInt(args[1]);
        int parameters = Integer.parseInt(args[2]);
        try (ParameterServer server = ParameterServer.start(PsTestSupport.server(port, workers, parameters).build());
             Aeron counters = Aeron.connect(EmbeddedMediaDriver.clientContext(server.aeronDirectory()))) {
            System.out.println("READY");
            System.out.flush();
            MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
            while (true) {
                System.gc();
                ServerCounters.Snapshot s = server.counters();
                System.out.println("SAMPLE " + memory.getHeapMemoryUsage().getUsed() + " " + rssKb() + " "
                        + counters.countersReader().getCounterValue(SystemCounterDescriptor.BYTES_RECEIVED.id()) + " "
                        + s.refused().getOrDefault(Refusal.FRAGMENTED, 0L) + " " + s.refusedTotal());
                System.out.flush();
                Thread.sleep(250);
            }
        }
    }

    private static long rssKb() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }
}
