package io.averon.benchmarks.sim;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The resource samples of a soak run ({@link RunSpec#sampleEvery()}), by host JVM, and their growth
 * from the first sample (after the first {@code sampleEvery} rounds: warmed up) to the last, held
 * against the bounds a long run must stay within: threads, file descriptors and the Aeron directory
 * must not grow at all, direct memory by at most {@link #DIRECT_GROWTH_BOUND_BYTES}, the heap after
 * a full collection by at most {@link #HEAP_GROWTH_BOUND_BYTES}.
 */
public final class SoakReport {

    /** Heap growth allowed after a full collection: class metadata and caches settling, no per-round leak. */
    public static final long HEAP_GROWTH_BOUND_BYTES = 4L << 20;
    /** Direct-memory growth allowed. */
    public static final long DIRECT_GROWTH_BOUND_BYTES = 0;

    private final Map<String, SortedMap<Long, ResourceUsage>> byHost;

    private SoakReport(Map<String, SortedMap<Long, ResourceUsage>> byHost) {
        this.byHost = byHost;
    }

    /** Reads the samples of the server (server mode) and of each worker host from a finished run's {@code directory}. */
    public static SoakReport read(RunSpec spec, Path directory) {
        Map<String, SortedMap<Long, ResourceUsage>> byHost = new LinkedHashMap<>();
        if (spec.mode() == AveragingMode.SERVER) {
            byHost.put("server", samples(spec, load(directory.resolve("server-counters.properties"))));
        }
        for (int first = 0; first < spec.workers(); first += spec.workersPerHost()) {
            int last = Math.min(first + spec.workersPerHost(), spec.workers()) - 1;
            byHost.put(last == first ? "worker " + first : "workers " + first + "-" + last,
                    samples(spec, load(directory.resolve("result-" + first + ".properties"))));
        }
        return new SoakReport(byHost);
    }

    /** Every breach of the bounds, one line each naming the host and the resource; empty when within them. */
    public List<String> breaches() {
        List<String> breaches = new ArrayList<>();
        byHost.forEach((host, samples) -> {
            if (samples.size() < 2) {
                breaches.add(host + ": " + samples.size() + " samples, at least 2 needed");
                return;
            }
            ResourceUsage first = samples.get(samples.firstKey());
            ResourceUsage last = samples.get(samples.lastKey());
            String span = " from round " + samples.firstKey() + " to " + samples.lastKey();
            check(breaches, host + ": heap after GC grew " + (last.heapBytes() - first.heapBytes()) + " bytes" + span,
                    last.heapBytes() - first.heapBytes() <= HEAP_GROWTH_BOUND_BYTES);
            check(breaches, host + ": direct memory grew " + (last.directBytes() - first.directBytes()) + " bytes" + span,
                    last.directBytes() - first.directBytes() <= DIRECT_GROWTH_BOUND_BYTES);
            check(breaches, host + ": threads " + first.threads() + " -> " + last.threads() + span,
                    last.threads() <= first.threads());
            check(breaches, host + ": file descriptors " + first.fileDescriptors() + " -> " + last.fileDescriptors()
                    + span, last.fileDescriptors() <= first.fileDescriptors());
            check(breaches, host + ": Aeron directory " + first.aeronDirectoryBytes() + " -> "
                    + last.aeronDirectoryBytes() + " bytes" + span, last.aeronDirectoryBytes() <= first.aeronDirectoryBytes());
        });
        return breaches;
    }

    /** The samples as a Markdown table: one row per host and sample. */
    public String table() {
        StringBuilder out = new StringBuilder("| host JVM | after round | heap after GC (MB) | direct (KB) | threads | fds "
                + "| Aeron dir (MB) |\n|---|---:|---:|---:|---:|---:|---:|\n");
        byHost.forEach((host, samples) -> samples.forEach((round, u) -> out.append(String.format(Locale.ROOT,
                "| %s | %d | %.2f | %.1f | %d | %d | %.2f |%n", host, round, u.heapBytes() / 1e6, u.directBytes() / 1e3,
                u.threads(), u.fileDescriptors(), u.aeronDirectoryBytes() / 1e6))));
        return out.toString();
    }

    private static void check(List<String> breaches, String what, boolean within) {
        if (!within) {
            breaches.add(what);
        }
    }

    private static SortedMap<Long, ResourceUsage> samples(RunSpec spec, Properties properties) {
        SortedMap<Long, ResourceUsage> samples = new TreeMap<>();
        for (long round = spec.sampleEvery(); spec.sampleEvery() > 0 && round <= spec.rounds(); round += spec.sampleEvery()) {
            ResourceUsage usage = ResourceUsage.readFrom(properties, HostPlan.usagePrefix(round));
            if (usage != null) {
                samples.put(round, usage);
            }
        }
        return samples;
    }

    private static Properties load(Path file) {
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("no samples: " + file, e);
        }
        return properties;
    }
}
