package io.averon.core.data;

import io.averon.core.InvalidInputException;

import java.util.SplittableRandom;

/** Train/validation splits: seeded random, or time-ordered for sequence data. */
public final class Splits {

    private Splits() {
    }

    /** The two parts of a split. */
    public record Split(ArrayDataSet train, ArrayDataSet validation) {
    }

    /** Splits {@code data} as {@code spec} says ({@link SplitSpec.Kind#PROVIDED} is not a split of one set). */
    public static Split apply(SplitSpec spec, ArrayDataSet data) {
        return switch (spec.kind()) {
            case RANDOM -> random(data, spec.validationFraction(), spec.seed());
            case TIME_ORDERED -> timeOrdered(data, spec.validationFraction());
            case PROVIDED -> throw new IllegalArgumentException("a PROVIDED split comes with its own test data");
        };
    }

    /**
     * A seeded random split: the same seed and data always give the same split. Both parts keep
     * at least one example.
     */
    public static Split random(ArrayDataSet data, double validationFraction, long seed) {
        int n = data.size();
        int validation = validationCount(data, validationFraction);
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        int[] trainIdx = java.util.Arrays.copyOfRange(order, 0, n - validation);
        int[] validIdx = java.util.Arrays.copyOfRange(order, n - validation, n);
        java.util.Arrays.sort(trainIdx);
        java.util.Arrays.sort(validIdx);
        return new Split(data.select(trainIdx, data.name() + " [train]"),
                data.select(validIdx, data.name() + " [validation]"));
    }

    /**
     * A time-ordered split: the first examples train, the last {@code validationFraction} validate,
     * so the model is never validated on the past of what it trained on.
     */
    public static Split timeOrdered(ArrayDataSet data, double validationFraction) {
        int n = data.size();
        int validation = validationCount(data, validationFraction);
        int cut = n - validation;
        int[] trainIdx = new int[cut];
        int[] validIdx = new int[validation];
        for (int i = 0; i < cut; i++) {
            trainIdx[i] = i;
        }
        for (int i = 0; i < validation; i++) {
            validIdx[i] = cut + i;
        }
        return new Split(data.select(trainIdx, data.name() + " [train]"),
                data.select(validIdx, data.name() + " [validation]"));
    }

    private static int validationCount(ArrayDataSet data, double fraction) {
        if (!(fraction > 0 && fraction < 1)) {
            throw new InvalidInputException("validation split must be in (0, 1), got " + fraction);
        }
        int n = data.size();
        int validation = (int) Math.round(n * fraction);
        if (validation < 1 || validation >= n) {
            throw new InvalidInputException(data.name() + ": " + n + " examples are too few for a validation split of "
                    + fraction + " (each side needs at least one example)");
        }
        return validation;
    }
}
