package io.averon.benchmarks;

import java.util.List;

/** Order statistics of repeated measurements (a few runs of one configuration). */
final class SampleStats {

    private SampleStats() {
    }

    /** The median: the middle value, or the mean of the two middle values for an even count. */
    static double median(List<Double> values) {
        double[] sorted = sorted(values);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** The largest value (the best run of a higher-is-better measure such as examples/s). */
    static double max(List<Double> values) {
        double[] sorted = sorted(values);
        return sorted[sorted.length - 1];
    }

    private static double[] sorted(List<Double> values) {
        if (values.isEmpty()) {
            throw new IllegalArgumentException("no values");
        }
        return values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    }
}
