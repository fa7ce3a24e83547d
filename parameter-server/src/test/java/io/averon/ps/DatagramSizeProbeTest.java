package io.averon.ps;

import io.averon.ps.transport.Ports;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The search of {@link DatagramSizeProbe} on a simulated path (its clock stepped by the test): the
 * largest multiple of 32 that passes, found within a bounded time, also when probes are lost; no
 * verdict while nothing gets through.
 */
@Tag("fast")
class DatagramSizeProbeTest {

    private static final long TICK_NS = TimeUnit.MILLISECONDS.toNanos(5);

    @Test
    void shouldFindTheLargestMultipleOf32ThatPassesWithinThreeSeconds() {
        int[][] cases = {{8192, 1172}, {8192, 1472}, {8192, 8191}, {8192, 544}, {8192, 575}, {65_504, 1472},
                {65_504, 65_000}, {1408, 1400}, {576, 560}};
        for (int[] c : cases) {
            int mtu = c[0];
            int passes = c[1];
            long[] elapsedMs = new long[1];
            int largest = search(mtu, passes, false, elapsedMs);
            assertEquals(passes - passes % 32, largest, "MTU " + mtu + ", datagrams up to " + passes + " pass");
            assertTrue(elapsedMs[0] <= 3_000, "decided after " + elapsedMs[0] + " ms");
        }
    }

    @Test
    void shouldStillFindItWhenTheFirstSendOfEveryProbeIsLost() {
        long[] elapsedMs = new long[1];
        assertEquals(1152, search(8192, 1172, true, elapsedMs));
        assertTrue(elapsedMs[0] <= 3_000, "decided after " + elapsedMs[0] + " ms");
    }

    @Test
    void shouldDecideNothingWhileNoDatagramGetsThrough() {
        DatagramSizeProbe probe = new DatagramSizeProbe(8192, 0);
        int[] sent = {0};
        for (long now = 0; now < TimeUnit.SECONDS.toNanos(30); now += TICK_NS) {
            if (now % TimeUnit.MILLISECONDS.toNanos(200) == 0) {
                probe.helloSent();
            }
            probe.poll(now, size -> {
                assertEquals(Ports.MIN_MTU_BYTES, size, "only the small probe while it is unanswered");
                sent[0]++;
            });
        }
        assertFalse(probe.decided(), "unreachable, not an MTU problem");
        assertFalse(probe.smallAnswered());
        assertEquals(148, sent[0], "one small probe every 200 ms after the first 400 ms");
    }

    /**
     * Runs a probe for a join of {@code mtu} on a path passing datagrams of up to {@code passes}
     * bytes, answers arriving one tick later; returns the largest size it found.
     */
    private static int search(int mtu, int passes, boolean loseFirstSends, long[] elapsedMs) {
        DatagramSizeProbe probe = new DatagramSizeProbe(mtu, 0);
        Set<Integer> seen = new HashSet<>();
        List<Integer> inFlight = new ArrayList<>();
        long now = 0;
        long nextHello = 0;
        while (!probe.decided()) {
            assertTrue(now < TimeUnit.SECONDS.toNanos(20), "no verdict after 20 s");
            for (int size : inFlight) {
                probe.onAnswer(size, mtu, 0);
            }
            inFlight.clear();
            if (now - nextHello >= 0) {
                probe.helloSent(); // the padded HELLO, never answered
                nextHello = now + TimeUnit.MILLISECONDS.toNanos(200);
            }
            probe.poll(now, size -> {
                assertTrue(size % 32 == 0 && size >= Ports.MIN_MTU_BYTES && size < mtu, "probe of " + size + " bytes");
                if (size <= passes && (!loseFirstSends || !seen.add(size))) {
                    inFlight.add(size);
                }
            });
            now += TICK_NS;
        }
        elapsedMs[0] = probe.elapsedMs(now);
        assertFalse(probe.helloReachedServer());
        return probe.largestBothWays();
    }
}
