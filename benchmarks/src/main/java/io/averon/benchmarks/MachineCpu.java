package io.averon.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The whole machine's CPU counters ({@code /proc/stat}, every core and process), for the benchmarks' busy shares. */
public final class MachineCpu {

    private MachineCpu() {
    }

    /** {busy, total} jiffies of all cores since boot (idle and iowait are not busy). */
    public static long[] jiffies() {
        try {
            String[] fields = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < fields.length; i++) {
                total += Long.parseLong(fields[i]);
            }
            return new long[] {total - Long.parseLong(fields[4]) - Long.parseLong(fields[5]), total};
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
