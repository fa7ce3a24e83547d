package io.averon.ps.transport;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Port pairs handed to threads of one JVM at once (the tasks of an executor) never overlap. */
@Tag("fast")
class PortsTest {

    @Test
    void shouldNeverHandOutTheSamePortTwiceToThreadsPickingAtOnce() {
        ConcurrentLinkedQueue<Integer> picked = new ConcurrentLinkedQueue<>();
        IntStream.range(0, 400).parallel().forEach(i -> picked.add(Ports.freeUdpPortPair()));
        Set<Integer> used = new HashSet<>();
        for (int port : List.copyOf(picked)) {
            assertTrue(port > 0 && port < 65534, "port " + port);
            assertTrue(used.add(port) && used.add(port + 1), "port " + port + " or " + (port + 1) + " handed out twice");
        }
        assertEquals(800, used.size());
    }
}
