package io.averon.driver.training;

import io.averon.core.InvalidInputException;

import java.io.Serializable;

/**
 * How a run's examples are split among workers and when workers sync. Worker {@code w} trains on
 * the balanced contiguous range {@link #trainIndices(int)} (shard sizes differ by at most one) and
 * evaluates its range of the test split. Epoch {@code e} (1-based) has
 * {@link #roundsPerEpoch(int)} parameter-server rounds for every worker: one after every minibatch
 * in the first {@code warmupEpochs} epochs (post-local SGD's start), then one every
 * {@code syncEvery} minibatches. Round {@code r} (1-based within its epoch) ends after minibatch
 * {@link #roundEnd(int, int, int)} of the worker's epoch. Rounds are numbered from the start of
 * training ({@link #roundsBefore(int)}, {@link #position(long)}), so a round number alone says
 * where training stands.
 *
 * @param trainSize    training examples in all
 * @param testSize     test examples in all
 * @param workers      number of workers
 * @param batchSize    minibatch size per worker
 * @param syncEvery    minibatches between rounds after the warm-up; 0 = one round at every epoch end
 * @param warmupEpochs the first epochs, in which every minibatch ends a round
 */
public record ShardPlan(int trainSize, int testSize, int workers, int batchSize, int syncEvery, int warmupEpochs)
        implements Serializable {

    /** Where training stands after a number of rounds: whole epochs done, then rounds done in the next epoch. */
    public record Position(int epochsDone, int roundsDone) {
    }

    public ShardPlan {
        if (workers < 1) {
            throw new InvalidInputException("workers must be >= 1, got " + workers);
        }
        if (trainSize < 1) {
            throw new InvalidInputException("the training data is empty");
        }
        if (trainSize < workers) {
            throw new InvalidInputException("only " + trainSize + " training examples for " + workers
                    + " workers: every worker needs at least one; use --workers " + trainSize + " or fewer");
        }
        if (batchSize < 1 || syncEvery < 0 || warmupEpochs < 0) {
            throw new InvalidInputException("batch size must be >= 1, --sync-every and --sync-warmup-epochs >= 0");
        }
    }

    /** Indices of {@code worker}'s training shard. */
    public int[] trainIndices(int worker) {
        return slice(trainSize, worker, workers);
    }

    /** Indices of {@code worker}'s part of the test split. */
    public int[] testIndices(int worker) {
        return slice(testSize, worker, workers);
    }

    /** The indices of part {@code part} of {@code parts} balanced contiguous parts of {@code 0 .. size). */
    public static int[] slice(int size, int part, int parts) {
        int from = bound(size, part, parts);
        int[] out = new int[bound(size, part + 1, parts) - from];
        for (int i = 0; i < out.length; i++) {
            out[i] = from + i;
        }
        return out;
    }

    /** The part of {@code parts} balanced contiguous parts of {@code 0 .. size)} that holds {@code index}. */
    public static int owner(int size, int index, int parts) {
        return (int) (((long) parts * (index + 1) + size - 1) / size) - 1;
    }

    private static int bound(int size, int part, int parts) {
        return (int) ((long) size * part / parts);
    }

    /** Minibatches per epoch of {@code worker}. */
    public int batches(int worker) {
        int n = bound(trainSize, worker + 1, workers) - bound(trainSize, worker, workers);
        return (n + batchSize - 1) / batchSize;
    }

    /** The most minibatches any worker has per epoch. */
    public int maxBatches() {
        int max = 0;
        for (int w = 0; w < workers; w++) {
            max = Math.max(max, batches(w));
        }
        return max;
    }

    /** Minibatches between rounds in epoch {@code epoch} (1-based): 1 in the warm-up epochs. */
    public int batchesPerRound(int epoch) {
        if (epoch <= warmupEpochs) {
            return 1;
        }
        return syncEvery == 0 ? maxBatches() : Math.min(syncEvery, maxBatches());
    }

    /** Rounds of epoch {@code epoch} (1-based). */
    public int roundsPerEpoch(int epoch) {
        int k = batchesPerRound(epoch);
        return (maxBatches() + k - 1) / k;
    }

    /** Rounds of all epochs before epoch {@code epoch} (1-based): round numbers of that epoch start after it. */
    public long roundsBefore(int epoch) {
        int warm = Math.min(epoch - 1, warmupEpochs);
        return (long) warm * roundsPerEpoch(1) + (long) (epoch - 1 - warm) * roundsPerEpoch(warmupEpochs + 1);
    }

    /** Where training stands once {@code rounds} rounds (counted from the start of training) are closed. */
    public Position position(long rounds) {
        long warmRounds = warmupEpochs == 0 ? 0 : (long) warmupEpochs * roundsPerEpoch(1);
        if (rounds < warmRounds) {
            int perEpoch = roundsPerEpoch(1);
            return new Position((int) (rounds / perEpoch), (int) (rounds % perEpoch));
        }
        int perEpoch = roundsPerEpoch(warmupEpochs + 1);
        long after = rounds - warmRounds;
        return new Position(warmupEpochs + (int) (after / perEpoch), (int) (after % perEpoch));
    }

    /**
     * The minibatch (exclusive, 0-based) at which round {@code round} (1-based within epoch
     * {@code epoch}) ends for {@code worker}.
     */
    public int roundEnd(int worker, int epoch, int round) {
        return (int) Math.min((long) round * batchesPerRound(epoch), batches(worker));
    }
}
