package io.averon.driver.cli;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code averon} in a JVM of its own, started as {@code bin/averon} starts it: the Java 17 flags
 * this test JVM runs with (the parent POM's {@code averon.jvm.flags}, the same as bin/averon's), a
 * headless AWT, this test's classpath and {@link AveronCli} as the main class. The process is the
 * JVM itself, with no shell in between, so a signal sent to it reaches the JVM.
 */
final class CliJvm {

    private CliJvm() {
    }

    /**
     * A builder for {@code java FLAGS jvmOptions -cp CLASSPATH AveronCli args}; its environment is
     * this JVM's (surefire's {@code SPARK_LOCAL_IP}, {@code OMP_WAIT_POLICY}) for the caller to extend.
     */
    static ProcessBuilder builder(List<String> jvmOptions, List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(java17Flags());
        command.add("-Djava.awt.headless=true");
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), AveronCli.class.getName()));
        command.addAll(args);
        return new ProcessBuilder(command);
    }

    /** The module and reflection flags Spark and Aeron need on Java 17, as this JVM was given them. */
    private static List<String> java17Flags() {
        return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-opens") || a.startsWith("--add-exports")
                        || a.equals("-XX:+IgnoreUnrecognizedVMOptions") || a.startsWith("-Djdk.reflect."))
                .toList();
    }
}
