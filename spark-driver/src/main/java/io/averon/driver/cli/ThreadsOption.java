package io.averon.driver.cli;

import io.averon.core.InvalidInputException;
import picocli.CommandLine.Option;

/** {@code --threads N}, declared once for the commands that run native (ND4J/OpenMP) code. */
final class ThreadsOption {

    @Option(names = "--threads", paramLabel = "N",
            description = "Native (ND4J/OpenMP) threads: in this process for the local engine and evaluate (default: "
                    + "all cores); per task for the spark engine (default: spark.task.cpus, 1 with --deterministic)")
    Integer threads;

    /** The value given, checked; 0 when none was given (the engine's default applies). */
    int given() {
        if (threads != null && threads < 1) {
            throw new InvalidInputException("--threads must be >= 1, got " + threads);
        }
        return threads == null ? 0 : threads;
    }

    /** The value given, or every core of this machine. */
    int orAllCores() {
        int given = given();
        return given > 0 ? given : Runtime.getRuntime().availableProcessors();
    }
}
