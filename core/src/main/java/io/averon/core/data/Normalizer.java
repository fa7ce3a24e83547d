package io.averon.core.data;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Feature normalisation, stored with the model so that evaluation and scoring apply exactly what
 * training applied. Statistics are fitted on the training split only.
 *
 * @param kind  which transformation
 * @param scale for {@link Kind#SCALE}: every value is multiplied by it (images: 1/255)
 * @param mean  for {@link Kind#STANDARDIZE}: per-feature mean of the training split
 * @param std   for {@link Kind#STANDARDIZE}: per-feature standard deviation (never 0: constant
 *              features get 1)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Normalizer(Kind kind, Float scale, float[] mean, float[] std) implements java.io.Serializable {

    /** The normalisation kinds. */
    public enum Kind { NONE, SCALE, STANDARDIZE }

    public Normalizer {
        if (kind == null) {
            throw new IllegalArgumentException("normalizer kind missing");
        }
        switch (kind) {
            case NONE -> { }
            case SCALE -> {
                if (scale == null || !Float.isFinite(scale) || scale == 0f) {
                    throw new IllegalArgumentException("SCALE normalizer needs a finite non-zero scale");
                }
            }
            case STANDARDIZE -> {
                if (mean == null || std == null || mean.length != std.length) {
                    throw new IllegalArgumentException("STANDARDIZE normalizer needs mean and std of equal length");
                }
            }
        }
    }

    public static Normalizer none() {
        return new Normalizer(Kind.NONE, null, null, null);
    }

    public static Normalizer scale(float factor) {
        return new Normalizer(Kind.SCALE, factor, null, null);
    }

    /** Per-feature mean and standard deviation of {@code train}; a constant feature gets std 1. */
    public static Normalizer fitStandardize(ArrayDataSet train) {
        int width = train.featureLength();
        int n = train.size();
        double[] sum = new double[width];
        double[] sumSq = new double[width];
        float[] x = train.features();
        for (int i = 0; i < n; i++) {
            int base = i * width;
            for (int j = 0; j < width; j++) {
                double v = x[base + j];
                sum[j] += v;
                sumSq[j] += v * v;
            }
        }
        return standardize(n, sum, sumSq);
    }

    /**
     * Standardisation from per-feature sums over {@code n} examples (what a distributed pass
     * accumulates); a constant feature gets std 1.
     */
    public static Normalizer standardize(long n, double[] sum, double[] sumSq) {
        int width = sum.length;
        float[] mean = new float[width];
        float[] std = new float[width];
        for (int j = 0; j < width; j++) {
            double m = n == 0 ? 0 : sum[j] / n;
            double var = n == 0 ? 0 : Math.max(0, sumSq[j] / n - m * m);
            mean[j] = (float) m;
            double s = Math.sqrt(var);
            std[j] = s < 1e-8 ? 1f : (float) s;
        }
        return new Normalizer(Kind.STANDARDIZE, null, mean, std);
    }

    /** A normalised copy of {@code data} (the input is left unchanged). */
    public ArrayDataSet apply(ArrayDataSet data) {
        if (kind == Kind.NONE) {
            return data;
        }
        float[] out = data.features().clone();
        applyInPlace(out, data.featureLength());
        return data.withFeatures(out);
    }

    /** Normalises {@code values} (examples of {@code width} features each) in place. */
    public void applyInPlace(float[] values, int width) {
        switch (kind) {
            case NONE -> { }
            case SCALE -> {
                float s = scale;
                for (int i = 0; i < values.length; i++) {
                    values[i] *= s;
                }
            }
            case STANDARDIZE -> {
                if (mean.length != width) {
                    throw new IllegalArgumentException("normalizer was fitted on " + mean.length
                            + " features, data has " + width);
                }
                for (int i = 0; i < values.length; i++) {
                    int j = i % width;
                    values[i] = (values[i] - mean[j]) / std[j];
                }
            }
        }
    }
}
