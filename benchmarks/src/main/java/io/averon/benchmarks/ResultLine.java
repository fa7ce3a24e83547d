package io.averon.benchmarks;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one {@code RESULT key=value key=value ...} line a probe process prints (Averon's
 * {@link ThroughputProbe} and the PyTorch peer alike): values are single tokens without spaces.
 */
record ResultLine(Map<String, String> values) {

    /** The prefix that marks a probe's result among its other output. */
    static final String PREFIX = "RESULT ";

    ResultLine {
        values = Map.copyOf(values);
    }

    /** Parses a line that starts with {@link #PREFIX}; a token without '=' is rejected. */
    static ResultLine parse(String line) {
        if (!line.startsWith(PREFIX)) {
            throw new IllegalArgumentException("not a result line: " + line);
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (String token : line.substring(PREFIX.length()).trim().split("\\s+")) {
            int eq = token.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("token '" + token + "' is not key=value in: " + line);
            }
            values.put(token.substring(0, eq), token.substring(eq + 1));
        }
        return new ResultLine(values);
    }

    /** The value of {@code key}; throws naming the line's keys when it is missing. */
    String value(String key) {
        String value = values.get(key);
        if (value == null) {
            throw new IllegalStateException("no " + key + " in result " + values);
        }
        return value;
    }

    double number(String key) {
        return Double.parseDouble(value(key));
    }

    double examplesPerSecond() {
        return number("examples_per_second");
    }

    double msPerStep() {
        return number("ms_per_step");
    }

    long params() {
        return Long.parseLong(value("params"));
    }

    /**
     * What ran an Averon probe's step, from its {@code helpers=...} value: the distinct DL4J
     * layer-helper classes of its {@code Layer:Helper} entries and the other entries as they are
     * (Averon's own step, Averon's layers in DL4J's place), or "none".
     */
    String helperNames() {
        return Arrays.stream(value("helpers").split(",")).filter(s -> !s.isEmpty() && !s.equals("none"))
                .map(s -> s.substring(s.indexOf(':') + 1)).distinct().reduce((a, b) -> a + ", " + b).orElse("none");
    }
}
