package io.averon.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs one measured configuration in its own process (native builds, thread counts and OpenMP
 * settings are fixed per process) and returns the {@link ResultLine} it printed. Shared by the
 * benchmarks that fork probes: {@link LocalThroughputBenchmark} and {@link PeerBenchmark}.
 */
final class ProbeProcess {

    /** The OpenMP variables a probe inherits only when the caller sets them. */
    private static final List<String> OPEN_MP = List.of("OMP_WAIT_POLICY", "OMP_NUM_THREADS");

    private static final long TIMEOUT_MINUTES = 10;

    private ProbeProcess() {
    }

    /** A command line that runs {@code main} in a new JVM on this JVM's classpath, with the flags ND4J and Aeron need. */
    static List<String> javaCommand(Class<?> main, String... args) {
        List<String> command = new ArrayList<>(List.of(System.getProperty("java.home") + "/bin/java", "-Xmx3g",
                "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(args));
        return command;
    }

    /**
     * Runs {@code command} to its end (at most {@value #TIMEOUT_MINUTES} minutes) and parses its
     * last result line. The OpenMP variables are removed from the inherited environment, then
     * {@code environment} is added.
     *
     * @param name        what the probe measures, for the error message
     * @throws IllegalStateException with the probe's whole output when it fails or prints no result
     */
    static ResultLine run(String name, List<String> command, Map<String, String> environment)
            throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        OPEN_MP.forEach(builder.environment()::remove);
        builder.environment().putAll(environment);
        Process process = builder.start();
        String result = null;
        StringBuilder all = new StringBuilder();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                all.append(line).append('\n');
                if (line.startsWith(ResultLine.PREFIX)) {
                    result = line;
                }
            }
        }
        boolean ended = process.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES);
        if (!ended || process.exitValue() != 0 || result == null) {
            process.destroyForcibly();
            throw new IllegalStateException("probe " + name + " failed (" + (ended ? "exit " + process.exitValue()
                    : "timed out") + "):\n" + all);
        }
        return ResultLine.parse(result);
    }
}
