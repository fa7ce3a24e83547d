package io.averon.benchmarks.sim;

import java.util.HashMap;
import java.util.Map;

/** The {@code key=value} arguments of the simulator's mains and host JVMs. */
final class KeyValueArgs {

    private KeyValueArgs() {
    }

    /** Each argument split at its first {@code =}; one without a key is refused, naming it. */
    static Map<String, String> parse(String[] args) {
        Map<String, String> values = new HashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (eq < 1) {
                throw new IllegalArgumentException("arguments are key=value, got '" + arg + "'");
            }
            values.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        return values;
    }
}
