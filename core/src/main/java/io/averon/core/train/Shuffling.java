package io.averon.core.train;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The seeded orders of a training run, shared by the local and the distributed engine so that one
 * distributed worker sees exactly what local training sees: per-epoch shuffles derived from the
 * run seed, and the fixed training sample evaluated at every epoch end.
 */
public final class Shuffling {

    private Shuffling() {
    }

    /** The shuffle seed of an epoch (1-based): derived from the run seed, different for every epoch. */
    public static long epochSeed(long seed, int epoch) {
        return new SplittableRandom(seed).split().nextLong() + 0x9E3779B97F4A7C15L * epoch;
    }

    /**
     * The seed of worker {@code worker}'s shard order: worker 0 uses the run seed itself, so one
     * worker shuffles exactly like the local engine; the others get their own streams.
     */
    public static long workerSeed(long seed, int worker) {
        return worker == 0 ? seed : new SplittableRandom(seed ^ 0x632BE59BD9B4E019L * worker).nextLong();
    }

    /** {@code order} set to the identity, then (if {@code shuffle}) shuffled for {@code epoch}. */
    public static void epochOrder(int[] order, long seed, int epoch, boolean shuffle) {
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        if (shuffle) {
            shuffle(order, new SplittableRandom(epochSeed(seed, epoch)));
        }
    }

    /** A fixed seeded sample of {@code min(size, sampleSize)} indices, ascending. */
    public static int[] sample(int size, int sampleSize, long seed) {
        int n = Math.min(size, sampleSize);
        int[] all = identity(size);
        if (n == size) {
            return all;
        }
        shuffle(all, new SplittableRandom(seed ^ 0x5DEECE66DL));
        int[] sample = Arrays.copyOf(all, n);
        Arrays.sort(sample);
        return sample;
    }

    static int[] identity(int n) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = i;
        }
        return out;
    }

    private static void shuffle(int[] values, SplittableRandom random) {
        for (int i = values.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = values[i];
            values[i] = values[j];
            values[j] = t;
        }
    }
}
