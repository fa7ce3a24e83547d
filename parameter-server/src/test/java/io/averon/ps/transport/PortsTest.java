package io.averon.ps.transport;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Port pairs handed to threads of one JVM at once (the tasks of an executor) never overlap; the
 * MTUs Averon accepts, and the one that fits a link.
 */
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

    @Test
    void shouldAcceptMultiplesOf32From544To65504SoThatA1200ByteLinkCanBeUsed() {
        for (int mtu : new int[] {544, 1152, 1408, 1472, 8192, 65_504}) {
            assertDoesNotThrow(() -> Ports.checkMtu(mtu, 1 << 20), "MTU " + mtu);
        }
        for (int mtu : new int[] {512, 1150, 65_536, 0}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Ports.checkMtu(mtu, 1 << 20));
            assertEquals("MTU must be a multiple of 32 in 544..65504, got " + mtu, e.getMessage());
        }
        assertEquals(io.averon.ps.protocol.MessageValidator.MIN_CHUNK_BYTES, Ports.chunkBytes(Ports.MIN_MTU_BYTES));
    }

    @Test
    void shouldKeepTheReceiverWindowAndAPaddingJumpWithinHalfATermWhenSizingTheWindow() {
        // a sender at its limit (status message + window) may skip up to one MTU of padding at a
        // term's end; its heartbeats must stay within the half term a receiver accepts beyond its
        // last status message, or a lost tail of the term is never noticed (Ports.receiverWindowBytes)
        for (int mtu = Ports.MIN_MTU_BYTES; mtu <= Ports.MAX_MTU_BYTES; mtu += 32) {
            for (int term = Ports.smallestTermLength(mtu); term <= 1 << 24; term <<= 1) {
                int finalMtu = mtu;
                int finalTerm = term;
                assertDoesNotThrow(() -> Ports.checkMtu(finalMtu, finalTerm));
                int window = Ports.receiverWindowBytes(term, mtu);
                assertTrue(window + mtu <= term / 2, "window " + window + ", MTU " + mtu + ", term " + term);
                assertTrue(window >= mtu && window <= 128 * 1024, "window " + window + " for MTU " + mtu);
            }
            int below = Ports.smallestTermLength(mtu) / 2;
            int finalMtu = mtu;
            assertThrows(IllegalArgumentException.class, () -> Ports.checkMtu(finalMtu, below));
        }
        assertEquals(128 * 1024, Ports.receiverWindowBytes(1 << 20, 8192), "the default term keeps Aeron's window");
        assertEquals(24 * 1024, Ports.receiverWindowBytes(64 * 1024, 8192));
    }

    @Test
    void shouldFitTheLargestMultipleOf32AndItsHeadersIntoALink() {
        assertEquals(1472, Ports.mtuForLink(1500));
        assertEquals(1152, Ports.mtuForLink(1200));
        assertEquals(8960, Ports.mtuForLink(9000));
        assertEquals(544, Ports.mtuForLink(576));
    }
}
