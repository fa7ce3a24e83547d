package io.averon.core.data;

/**
 * How the held-out split was made. Stored in the model manifest so {@code evaluate} recreates the
 * exact same split.
 *
 * @param kind               provided test files, a seeded random split, or a time-ordered split
 * @param validationFraction fraction of the examples held out (0 for {@link Kind#PROVIDED})
 * @param seed               permutation seed for {@link Kind#RANDOM}
 */
public record SplitSpec(Kind kind, double validationFraction, long seed) implements java.io.Serializable {

    /** The ways a held-out split comes about. */
    public enum Kind {
        /** The data came with its own test files (IDX {@code t10k-*}). */
        PROVIDED,
        /** A seeded random permutation; the first {@code 1 - fraction} train. */
        RANDOM,
        /** Examples keep their order; the last {@code fraction} is held out (time series). */
        TIME_ORDERED
    }

    public SplitSpec {
        if (kind == null) {
            throw new IllegalArgumentException("split kind missing");
        }
        if (kind != Kind.PROVIDED && !(validationFraction > 0 && validationFraction < 1)) {
            throw new IllegalArgumentException("validation fraction must be in (0, 1), got " + validationFraction);
        }
    }

    public static SplitSpec provided() {
        return new SplitSpec(Kind.PROVIDED, 0, 0);
    }

    /** In words, as the run report and the logs show it to users. */
    @Override
    public String toString() {
        long percent = Math.round(validationFraction * 100);
        return switch (kind) {
            case PROVIDED -> "the data set's own test split";
            case RANDOM -> "random " + percent + "% held out (seed " + seed + ")";
            case TIME_ORDERED -> "time-ordered: the last " + percent + "% held out";
        };
    }
}
