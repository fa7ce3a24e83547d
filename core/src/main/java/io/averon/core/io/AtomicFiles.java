package io.averon.core.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/** Atomic file writes: a reader sees the old file or the complete new one, never a partial one. */
public final class AtomicFiles {

    private AtomicFiles() {
    }

    /** Writes the content to a stream. */
    @FunctionalInterface
    public interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * Writes {@code content} to a temporary file beside {@code file}, forces it to disk, makes it
     * readable (0644) and renames it over {@code file}. On failure the temporary file is removed and
     * {@code file} is unchanged.
     */
    public static void write(Path file, Content content) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp");
        try {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                content.writeTo(out);
            }
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                channel.force(true);
            }
            try {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system: keep its defaults
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * As {@link #write(Path, Content)} for any Hadoop FileSystem location: a local one goes through
     * the path above; elsewhere (HDFS, ...) the content goes to a hidden temporary file beside
     * {@code file}, is synced, and is renamed over it with the file system's atomic overwriting
     * rename. On failure the temporary file is removed and {@code file} is unchanged.
     */
    public static void write(Location file, Content content) throws IOException {
        org.apache.hadoop.fs.Path target = file.hadoopPath();
        if ("file".equals(target.toUri().getScheme())) {
            write(Path.of(target.toUri().getPath()), content);
            return;
        }
        org.apache.hadoop.fs.FileSystem fs = file.fileSystem();
        org.apache.hadoop.fs.Path tmp = new org.apache.hadoop.fs.Path(target.getParent(),
                "." + target.getName() + "." + java.util.UUID.randomUUID() + ".tmp");
        try {
            fs.mkdirs(target.getParent());
            try (org.apache.hadoop.fs.FSDataOutputStream out = fs.create(tmp, false)) {
                // the content may close its stream: keep this one open for hsync
                content.writeTo(org.apache.commons.io.output.CloseShieldOutputStream.wrap(out));
                out.hsync();
            }
            // the file system's own URI: a path without authority (hdfs:///x) means its default one
            org.apache.hadoop.fs.FileContext.getFileContext(fs.getUri(), fs.getConf()).rename(fs.makeQualified(tmp),
                    fs.makeQualified(target), org.apache.hadoop.fs.Options.Rename.OVERWRITE);
        } finally {
            fs.delete(tmp, false);
        }
    }
}
