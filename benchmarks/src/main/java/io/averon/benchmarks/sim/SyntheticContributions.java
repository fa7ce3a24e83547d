package io.averon.benchmarks.sim;

/**
 * Contributions that stand in for training: value {@code i} of worker {@code w} in round {@code r}
 * is a pure function of {@code (seed, r, w, i)} (a SplitMix64 hash mapped to [-1, 1)), and so is
 * the worker's sample count. Any JVM can therefore compute the exact result the averaging code
 * must produce at any index, without holding the other workers' vectors. Filling a vector costs a
 * few nanoseconds per value: cheap next to the network.
 */
public final class SyntheticContributions {

    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private final long seed;

    public SyntheticContributions(long seed) {
        this.seed = seed;
    }

    /** Writes worker {@code worker}'s round-{@code round} contribution into {@code values[0 .. count)}. */
    public void fill(long round, int worker, float[] values, int count) {
        long base = base(round, worker);
        for (int i = 0; i < count; i++) {
            values[i] = value(base, i);
        }
    }

    /** One value of a contribution. */
    public float value(long round, int worker, int index) {
        return value(base(round, worker), index);
    }

    /** The sample count (weight) of worker {@code worker} in round {@code round}: 1 .. 100. */
    public long samples(long round, int worker) {
        return 1 + Long.remainderUnsigned(mix(base(round, worker) ^ 0x5DEECE66DL), 100);
    }

    /**
     * What the averaging code must give at {@code index} when workers {@code 0 .. workers-1} all
     * contribute: the parameter server's arithmetic ({@code GlobalVector}), a sum in double in
     * ascending worker order of {@code samples × value}, divided by the total samples, cast to float.
     */
    public float expectedMean(long round, int workers, int index) {
        return expectedMean(round, workers, 1, index);
    }

    /**
     * The same for hierarchical rounds, the workers in consecutive groups of {@code groupSize} (the
     * last may be smaller): each group's mean as above ({@code TaskGroup}, a float), then the mean of
     * the group means weighted by each group's total samples, in ascending group order. A group of
     * one gives the flat mean exactly: {@code (float) (s·x / s)} is {@code x}, as {@code s·x} is exact in double.
     */
    public float expectedMean(long round, int workers, int groupSize, int index) {
        long total = 0;
        double sum = 0.0;
        for (int first = 0; first < workers; first += groupSize) {
            long groupSamples = 0;
            double groupSum = 0.0;
            for (int w = first; w < Math.min(first + groupSize, workers); w++) {
                groupSamples += samples(round, w);
                groupSum += (double) samples(round, w) * value(round, w, index);
            }
            float groupMean = (float) (groupSum / (double) groupSamples);
            sum += (double) groupSamples * groupMean;
            total += groupSamples;
        }
        return (float) (sum / (double) total);
    }

    /**
     * What the server's mean is at {@code index} when only {@code contributors} (ascending) are in
     * the round, e.g. a quorum without a worker that was declared dead: as {@link #expectedMean(long, int, int)}
     * over those workers alone.
     */
    public float expectedMean(long round, int[] contributors, int index) {
        long total = 0;
        double sum = 0.0;
        for (int w : contributors) {
            total += samples(round, w);
            sum += (double) samples(round, w) * value(round, w, index);
        }
        return (float) (sum / (double) total);
    }

    private long base(long round, int worker) {
        return mix(seed * GOLDEN + round * 0xBF58476D1CE4E5B9L + (worker + 1L) * 0x94D049BB133111EBL);
    }

    private static float value(long base, int index) {
        return ((mix(base + index * GOLDEN) >>> 40) * 0x1.0p-24f) * 2f - 1f;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
