package io.averon.benchmarks.sim;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * How the JVMs of a simulated run meet without Spark: small files in a directory every network
 * namespace sees. A value is published atomically (written aside, then renamed), so a reader sees
 * all of it or nothing; every wait polls until a deadline and then throws, naming what is missing.
 */
public final class Rendezvous {

    private static final long POLL_MS = 5;
    private final Path directory;

    public Rendezvous(Path directory) {
        this.directory = directory;
    }

    /** Publishes {@code value} under {@code name}. */
    public void publish(String name, String value) {
        try {
            Path aside = directory.resolve("." + name + ".tmp");
            Files.writeString(aside, value, StandardCharsets.UTF_8);
            Files.move(aside, directory.resolve(name), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot publish " + name + " in " + directory, e);
        }
    }

    /** The value published under {@code name}, waiting for it until {@code deadlineNs}. */
    public String await(String name, long deadlineNs) {
        return awaitAll(name, 1, deadlineNs).get(0);
    }

    /**
     * The values of {@code prefix + "0"} .. {@code prefix + (count - 1)} (or of {@code prefix}
     * itself when {@code count} is 1), waiting for all of them until {@code deadlineNs}.
     */
    public List<String> awaitAll(String prefix, int count, long deadlineNs) {
        List<String> values = new ArrayList<>(count);
        try {
            for (int i = 0; i < count; i++) {
                Path file = directory.resolve(count == 1 ? prefix : prefix + i);
                awaitEither(file, file, deadlineNs, count);
                values.add(Files.readString(file, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return values;
    }

    /**
     * Worker {@code worker} arrives at barrier {@code name}, then waits until each of the
     * {@code workers} has arrived or failed ({@link #failure}): a failed worker holds nobody back.
     */
    public void barrier(String name, int worker, int workers, long deadlineNs) {
        publish(name + "-" + worker, "");
        awaitWorkers(name + "-", workers, deadlineNs);
    }

    /** Waits until each of workers {@code 0 .. workers-1} has published {@code prefix + worker} or failed. */
    public void awaitWorkers(String prefix, int workers, long deadlineNs) {
        for (int w = 0; w < workers; w++) {
            awaitEither(directory.resolve(prefix + w), directory.resolve(failure(w)), deadlineNs, workers);
        }
    }

    /** The name a failed worker's end is published under: when it failed (epoch ms), a newline, why. */
    public static String failure(int worker) {
        return "failed-" + worker + ".txt";
    }

    private void awaitEither(Path file, Path orElse, long deadlineNs, int of) {
        try {
            while (!Files.exists(file) && !Files.exists(orElse)) {
                if (System.nanoTime() - deadlineNs > 0) {
                    throw new IllegalStateException("rendezvous timed out: " + file.getFileName()
                            + " (and maybe later ones of " + of + ") never appeared in " + directory);
                }
                Thread.sleep(POLL_MS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted at rendezvous " + file.getFileName(), e);
        }
    }

    /**
     * A point where a fault test can hold a worker: when {@code hold-<name>} exists, publishes
     * {@code held-<name>} and waits until the test deletes the hold (or the deadline passes). A test
     * holds a worker there to stop it (SIGSTOP) at a known place: before it pushes a round.
     */
    public void holdIfAsked(String name, long deadlineNs) {
        Path hold = directory.resolve("hold-" + name);
        if (!Files.exists(hold)) {
            return;
        }
        publish("held-" + name, "");
        try {
            while (Files.exists(hold) && System.nanoTime() - deadlineNs < 0) {
                Thread.sleep(POLL_MS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted at hold " + name, e);
        }
    }

    /** A deadline {@code timeoutMs} from now, in {@link System#nanoTime()} terms. */
    public static long deadline(long timeoutMs) {
        return System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    }

    public Path directory() {
        return directory;
    }
}
