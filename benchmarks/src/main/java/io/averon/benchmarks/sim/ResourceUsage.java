package io.averon.benchmarks.sim;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * What a host JVM holds at one moment, as a soak run samples it every so many rounds: heap in use
 * after a full collection, direct buffers, live threads, open file descriptors, and the bytes of its
 * Aeron directory (log buffers and counters: a leaked publication or image shows there).
 *
 * @param heapBytes           heap used after {@code System.gc()}
 * @param directBytes         memory of the direct buffer pool
 * @param threads             live threads
 * @param fileDescriptors     entries of {@code /proc/self/fd}
 * @param aeronDirectoryBytes total size of the files in the media driver's directory
 */
public record ResourceUsage(long heapBytes, long directBytes, int threads, int fileDescriptors,
                            long aeronDirectoryBytes) {

    /** Samples this JVM, whose media driver keeps {@code aeronDirectory}. */
    public static ResourceUsage sample(Path aeronDirectory) {
        System.gc();
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        long direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(pool -> pool.getName().equals("direct")).mapToLong(BufferPoolMXBean::getMemoryUsed).sum();
        int threads = ManagementFactory.getThreadMXBean().getThreadCount();
        return new ResourceUsage(heap, direct, threads, count(Path.of("/proc/self/fd")), bytes(aeronDirectory));
    }

    /** Writes this sample as {@code prefix + "heapBytes"} and so on. */
    public void writeTo(Properties properties, String prefix) {
        properties.setProperty(prefix + "heapBytes", Long.toString(heapBytes));
        properties.setProperty(prefix + "directBytes", Long.toString(directBytes));
        properties.setProperty(prefix + "threads", Integer.toString(threads));
        properties.setProperty(prefix + "fileDescriptors", Integer.toString(fileDescriptors));
        properties.setProperty(prefix + "aeronDirectoryBytes", Long.toString(aeronDirectoryBytes));
    }

    /** The sample {@link #writeTo} wrote under {@code prefix}, or null if there is none. */
    public static ResourceUsage readFrom(Properties properties, String prefix) {
        if (properties.getProperty(prefix + "heapBytes") == null) {
            return null;
        }
        return new ResourceUsage(Long.parseLong(properties.getProperty(prefix + "heapBytes")),
                Long.parseLong(properties.getProperty(prefix + "directBytes")),
                Integer.parseInt(properties.getProperty(prefix + "threads")),
                Integer.parseInt(properties.getProperty(prefix + "fileDescriptors")),
                Long.parseLong(properties.getProperty(prefix + "aeronDirectoryBytes")));
    }

    private static int count(Path directory) {
        try (Stream<Path> entries = Files.list(directory)) {
            return (int) entries.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long bytes(Path directory) {
        for (int attempt = 1; ; attempt++) {
            try {
                return walk(directory);
            } catch (UncheckedIOException e) { // a directory removed while walking it (e.g. an image's)
                if (attempt == 3) {
                    throw e;
                }
            }
        }
    }

    private static long walk(Path directory) {
        try (Stream<Path> files = Files.walk(directory)) {
            return files.filter(Files::isRegularFile).mapToLong(file -> {
                try {
                    return Files.size(file);
                } catch (IOException e) {
                    return 0; // a file removed while walking (e.g. an image's log buffer) holds nothing now
                }
            }).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
