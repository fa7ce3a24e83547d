package io.averon.examples;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What an example reached: named figures (e.g. {@code test_accuracy}, {@code baseline_accuracy})
 * in the order they were added.
 */
public record Outcome(String example, Map<String, Double> figures) {

    public Outcome {
        figures = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(figures));
    }

    /** An outcome from {@code name, value} pairs, kept in that order. */
    public static Outcome of(String example, Object... namesAndValues) {
        Map<String, Double> figures = new LinkedHashMap<>();
        for (int i = 0; i + 1 < namesAndValues.length; i += 2) {
            figures.put((String) namesAndValues[i], ((Number) namesAndValues[i + 1]).doubleValue());
        }
        return new Outcome(example, figures);
    }

    /** A figure by name; fails naming the figures there are if it is missing. */
    public double get(String name) {
        Double value = figures.get(name);
        if (value == null) {
            throw new IllegalArgumentException(example + " has no figure '" + name + "'; it has " + figures.keySet());
        }
        return value;
    }

    /** {@code name=value} pairs on one line, for the console. */
    public String format() {
        StringBuilder s = new StringBuilder(example).append(':');
        figures.forEach((k, v) -> s.append(' ').append(k).append('=').append(String.format(Locale.ROOT, "%.4f", v)));
        return s.toString();
    }
}
