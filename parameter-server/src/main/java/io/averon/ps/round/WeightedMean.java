package io.averon.ps.round;

/**
 * The sample-weighted mean of one element across contributions, in a fixed order: {@code sum}
 * starts at {@code 0.0} and adds {@code weights[k] * sources[k][i]} for {@code k = 0, 1, …}, then
 * {@code (float) (sum / total)}. Java evaluates it in strict IEEE order, so the result is
 * bit-for-bit reproducible. The one formula both the rounds ({@link GlobalVector}) and a
 * hierarchical group's in-memory averaging use.
 */
public final class WeightedMean {

    private WeightedMean() {
    }

    /** The mean of element {@code i} over the first {@code sourceCount} sources. */
    public static float at(int i, float[][] sources, double[] weights, int sourceCount, double total) {
        double sum = 0.0;
        for (int k = 0; k < sourceCount; k++) {
            sum += weights[k] * sources[k][i];
        }
        return (float) (sum / total);
    }

    /** Writes the means of elements {@code 0 .. count)} into {@code out}. */
    public static void into(float[] out, int count, float[][] sources, double[] weights, int sourceCount,
                            double total) {
        for (int i = 0; i < count; i++) {
            out[i] = at(i, sources, weights, sourceCount, total);
        }
    }
}
