package io.averon.ps.round;

import java.util.Arrays;

/**
 * The server's global vector and the arithmetic that produces it: the exact, fixed-order,
 * sample-weighted mean of one round's contributions, followed by the outer optimizer on the
 * parameter part. Owned by a {@link RoundCoordinator} (one thread); allocates nothing per round once
 * the worker count has stopped growing.
 *
 * <p>Per element, the {@link WeightedMean} of the sources in the order they were
 * {@linkplain #add added} (the coordinator adds them in ascending worker id), weighted by their
 * sample counts over the round's total: bit-for-bit reproducible.
 */
final class GlobalVector {

    private final int parameterCount;
    private final float[] values;
    /** 0 when there is no global yet; else how many leading values are valid. */
    private int validCount;
    /** Momentum buffer of the Nesterov outer optimizer (parameter part), null for plain averaging. */
    private final float[] velocity;
    private final double learningRate;
    private final double momentum;

    private float[][] sources = new float[4][];
    private double[] weights = new double[4];
    private int sourceCount;

    GlobalVector(OuterOptimizer optimizer, int parameterCount, int vectorLength, float[] initial) {
        this.parameterCount = parameterCount;
        this.values = new float[vectorLength];
        if (initial != null) {
            System.arraycopy(initial, 0, values, 0, initial.length);
            validCount = initial.length;
        }
        if (optimizer instanceof OuterOptimizer.Nesterov nesterov) {
            velocity = new float[parameterCount];
            learningRate = nesterov.learningRate();
            momentum = nesterov.momentum();
        } else {
            velocity = null;
            learningRate = 1;
            momentum = 0;
        }
    }

    /** The server-owned vector (reused across rounds). */
    float[] values() {
        return values;
    }

    /** How many leading values are a valid global vector; 0 before the first closed round. */
    int validCount() {
        return validCount;
    }

    /** Forgets the sources of the previous round. */
    void clearSources() {
        sourceCount = 0;
    }

    /** Adds one contribution with {@code sampleCount > 0}; call in ascending worker id. */
    void add(float[] contribution, long sampleCount) {
        if (sourceCount == sources.length) {
            sources = Arrays.copyOf(sources, sourceCount * 2);
            weights = Arrays.copyOf(weights, sourceCount * 2);
        }
        sources[sourceCount] = contribution;
        weights[sourceCount] = sampleCount;
        sourceCount++;
    }

    /**
     * Replaces the first {@code valueCount} values with the weighted mean of the added sources, after
     * the outer optimizer on the parameter part, and makes them the valid global.
     *
     * @param totalSamples the sum of the added sources' sample counts, {@code > 0}
     */
    void average(int valueCount, long totalSamples) {
        double total = totalSamples;
        int parameterEnd = Math.min(valueCount, parameterCount);
        if (velocity == null || validCount == 0) {
            for (int i = 0; i < valueCount; i++) {
                values[i] = mean(i, total);
            }
        } else {
            for (int i = 0; i < parameterEnd; i++) {
                double g = values[i];
                double delta = mean(i, total) - g;
                double v = momentum * velocity[i] + delta;
                velocity[i] = (float) v;
                values[i] = (float) (g + learningRate * (delta + momentum * v));
            }
            for (int i = parameterEnd; i < valueCount; i++) {
                values[i] = mean(i, total);
            }
        }
        // a round without the updater state leaves the last averaged state in place, still the global's
        validCount = Math.max(validCount, valueCount);
    }

    private float mean(int i, double total) {
        return WeightedMean.at(i, sources, weights, sourceCount, total);
    }
}
