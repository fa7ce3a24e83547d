package io.averon.benchmarks.sim;

import io.aeron.Aeron;
import io.aeron.AeronCounters;
import org.agrona.concurrent.status.CountersReader;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Counters a host JVM reads about itself: its link's bytes (sysfs of its namespace) and its media driver's loss repair. */
final class HostCounters {

    /** Aeron system counters that show loss and its repair, by the names results use. */
    private static final Map<String, Integer> DRIVER_COUNTERS = new LinkedHashMap<>();

    static {
        DRIVER_COUNTERS.put("naksSent", AeronCounters.SYSTEM_COUNTER_ID_NAK_MESSAGES_SENT);
        DRIVER_COUNTERS.put("naksReceived", AeronCounters.SYSTEM_COUNTER_ID_NAK_MESSAGES_RECEIVED);
        DRIVER_COUNTERS.put("retransmitsSent", AeronCounters.SYSTEM_COUNTER_ID_RETRANSMITS_SENT);
        DRIVER_COUNTERS.put("retransmittedBytes", AeronCounters.SYSTEM_COUNTER_ID_RETRANSMITTED_BYTES);
        DRIVER_COUNTERS.put("lossGapFills", AeronCounters.SYSTEM_COUNTER_ID_LOSS_GAP_FILLS);
        DRIVER_COUNTERS.put("flowControlUnderRuns", AeronCounters.SYSTEM_COUNTER_ID_FLOW_CONTROL_UNDER_RUNS);
        DRIVER_COUNTERS.put("shortSends", AeronCounters.SYSTEM_COUNTER_ID_SHORT_SENDS);
    }

    private HostCounters() {
    }

    /** The loss-repair counters of the media driver {@code aeron} is connected to. */
    static Map<String, Long> driver(Aeron aeron) {
        CountersReader reader = aeron.countersReader();
        Map<String, Long> values = new LinkedHashMap<>();
        DRIVER_COUNTERS.forEach((name, id) -> values.put(name, reader.getCounterValue(id)));
        return values;
    }

    /** Bytes sent plus received on this namespace's {@code eth0} so far (0 outside a simulated host). */
    static long linkBytes() {
        return read("tx_bytes") + read("rx_bytes");
    }

    private static long read(String counter) {
        Path file = Path.of("/sys/class/net/eth0/statistics", counter);
        try {
            return Files.exists(file) ? Long.parseLong(Files.readString(file).trim()) : 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
