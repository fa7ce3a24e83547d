package io.averon.core.model;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.FloatBuffer;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Channels gathered into per-thread blocks and written back, split among threads. */
class ChannelBlocksTest {

    @Test
    void shouldGatherAndScatterEveryChannelOnceAcrossThreads() {
        int samples = 3, channels = 7, planeSize = 5;
        float[] values = new float[samples * channels * planeSize];
        for (int i = 0; i < values.length; i++) {
            values[i] = i;
        }
        FloatBuffer in = FloatBuffer.wrap(values);
        FloatBuffer out = FloatBuffer.allocate(values.length);
        AtomicIntegerArray visits = new AtomicIntegerArray(channels);
        Set<Thread> threads = ConcurrentHashMap.newKeySet();
        Thread caller = Thread.currentThread();
        CountDownLatch otherThread = new CountDownLatch(1);
        int before = Nd4j.getEnvironment().maxMasterThreads();
        Nd4j.getEnvironment().setMaxMasterThreads(3);
        try {
            ChannelBlocks.forEachChannel(samples, planeSize, channels, (blocks, c) -> {
                threads.add(Thread.currentThread());
                visits.incrementAndGet(c);
                if (Thread.currentThread() != caller) {
                    otherThread.countDown();
                } else if (c == 0) { // the caller's range: give the pool's thread time to take another range
                    awaitQuietly(otherThread);
                }
                blocks.read(in, c, blocks.first);
                for (int s = 0; s < samples; s++) { // the block holds channel c of every sample, in order
                    assertEquals((s * channels + c) * planeSize, blocks.first[s * planeSize], 0f);
                }
                for (int k = 0; k < samples * planeSize; k++) {
                    blocks.first[k] = -blocks.first[k];
                }
                blocks.write(blocks.first, c, out);
            });
        } finally {
            Nd4j.getEnvironment().setMaxMasterThreads(before);
        }
        assertTrue(threads.size() > 1, "the channels were split among threads: " + threads);
        for (int c = 0; c < channels; c++) {
            assertEquals(1, visits.get(c), "channel " + c + " visited once");
        }
        float[] expected = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            expected[i] = -values[i];
        }
        assertArrayEquals(expected, out.array(), 0f);
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
