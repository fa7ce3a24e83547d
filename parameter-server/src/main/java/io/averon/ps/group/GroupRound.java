package io.averon.ps.group;

import io.averon.ps.ParameterServerException;
import io.averon.ps.RoundFailedException;
import io.averon.ps.round.WeightedMean;

import java.util.Arrays;

/**
 * The members' side of a {@link TaskGroup}'s rounds: each member's copy of its last pushed vector,
 * and their sample-weighted mean ({@link WeightedMean}, in ascending member order) once every
 * member has pushed the round. Used under the group's lock; allocates only when a vector grows.
 */
final class GroupRound {

    /** What the group pushes upstream for {@code round}: {@code values[0 .. count)}, weighted by {@code samples}. */
    record Mean(long round, float[] values, int count, long samples, boolean delta, long deadlineNs) {
    }

    private final float[][] vectors;
    private final long[] pushedRound;
    private final int[] counts;
    private final long[] samples;
    private final boolean[] deltas;
    private final long[] deadlines;
    private final double[] weights;
    private float[] mean = new float[0];

    GroupRound(int members) {
        vectors = new float[members][];
        pushedRound = new long[members];
        Arrays.fill(pushedRound, -1);
        counts = new int[members];
        samples = new long[members];
        deltas = new boolean[members];
        deadlines = new long[members];
        weights = new double[members];
    }

    /** Keeps a copy of member {@code member}'s push for {@code round}. */
    void put(int member, long round, float[] values, int count, long sampleCount, boolean delta, long deadlineNs) {
        if (round <= pushedRound[member]) {
            throw new IllegalStateException("member " + member + " pushed round " + round + " after round "
                    + pushedRound[member]);
        }
        if (sampleCount < 0) {
            throw new IllegalArgumentException("sample count must be >= 0, got " + sampleCount);
        }
        if (vectors[member] == null || vectors[member].length < count) {
            vectors[member] = new float[count];
        }
        System.arraycopy(values, 0, vectors[member], 0, count);
        pushedRound[member] = round;
        counts[member] = count;
        samples[member] = sampleCount;
        deltas[member] = delta;
        deadlines[member] = deadlineNs;
    }

    /**
     * The group's mean for round {@code last + 1} once every member pushed it; null while some
     * have not.
     *
     * @throws RoundFailedException if a member that has left is awaited by those that pushed
     * @throws ParameterServerException if the members pushed unlike vectors or rounds
     */
    Mean ready(long last, boolean[] departed) {
        long round = last + 1;
        boolean complete = true;
        boolean awaited = false;
        for (int k = 0; k < vectors.length; k++) {
            if (pushedRound[k] > round) {
                throw new ParameterServerException("member " + k + " pushed round " + pushedRound[k]
                        + " while the group awaits round " + round);
            }
            complete &= pushedRound[k] == round;
            awaited |= pushedRound[k] == round;
        }
        if (!complete) {
            for (int k = 0; awaited && k < vectors.length; k++) {
                if (departed[k] && pushedRound[k] != round) {
                    throw new RoundFailedException("member " + k + " left its task group before pushing round " + round);
                }
            }
            return null;
        }
        int count = counts[0];
        long total = 0;
        long deadline = deadlines[0];
        for (int k = 0; k < vectors.length; k++) {
            if (counts[k] != count || deltas[k] != deltas[0]) {
                throw new ParameterServerException("round " + round + ": member " + k + " pushed " + counts[k]
                        + (deltas[k] ? " delta" : "") + " values, member 0 " + count + (deltas[0] ? " delta" : ""));
            }
            total += samples[k];
            weights[k] = samples[k];
            deadline = Math.max(deadline, deadlines[k]);
        }
        if (mean.length < count) {
            mean = new float[count];
        }
        if (total == 0) {
            System.arraycopy(vectors[0], 0, mean, 0, count); // weighs nothing: the rounds keep their last average
        } else {
            WeightedMean.into(mean, count, vectors, weights, vectors.length, total);
        }
        return new Mean(round, mean, count, total, deltas[0], deadline);
    }
}
