package io.averon.benchmarks.sim;

import java.util.ArrayList;
import java.util.List;

/**
 * Samples the machine's CPU use ({@code /proc/stat}, all cores) every {@link #PERIOD_MS} ms on a
 * daemon thread, so that a run's busy share can be read over exactly its timed rounds: when the
 * network is the bottleneck it stays well below 100%.
 */
final class CpuSampler implements AutoCloseable {

    private static final long PERIOD_MS = 100;
    private final List<long[]> samples = new ArrayList<>(); // {nanoTime, busy jiffies, total jiffies}
    private final Thread thread;
    private volatile boolean running = true;

    CpuSampler() {
        thread = new Thread(this::loop, "cpu-sampler");
        thread.setDaemon(true);
        thread.start();
    }

    private void loop() {
        while (running) {
            long[] sample = read();
            synchronized (samples) {
                samples.add(sample);
            }
            try {
                Thread.sleep(PERIOD_MS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Busy share of all cores between {@code fromNs} and {@code toNs} (nanoTime), 0..1; NaN when too short to tell. */
    double busyShare(long fromNs, long toNs) {
        long[] first = null;
        long[] last = null;
        synchronized (samples) {
            for (long[] s : samples) {
                if (s[0] >= fromNs && s[0] <= toNs) {
                    if (first == null) {
                        first = s;
                    }
                    last = s;
                }
            }
        }
        if (first == null || last == first || last[2] == first[2]) {
            return Double.NaN;
        }
        return (double) (last[1] - first[1]) / (last[2] - first[2]);
    }

    private static long[] read() {
        long[] jiffies = io.averon.benchmarks.MachineCpu.jiffies();
        return new long[] {System.nanoTime(), jiffies[0], jiffies[1]};
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
    }
}
