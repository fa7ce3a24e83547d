package io.averon.driver.cli;

import io.averon.core.AveronException;
import io.averon.core.InvalidInputException;
import org.apache.commons.io.file.PathUtils;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A run's output directory, written under a temporary sibling name and renamed into place only
 * when everything in it is complete. A failed run leaves nothing at the final path. Close without
 * {@link #commit()} deletes the temporary directory.
 */
final class RunDirectory implements AutoCloseable {

    private final Path target;
    private final Path staging;
    private final boolean overwrite;
    private boolean committed;

    private RunDirectory(Path target, Path staging, boolean overwrite) {
        this.target = target;
        this.staging = staging;
        this.overwrite = overwrite;
    }

    /** Checks that {@code target} may be written and creates the staging directory beside it. */
    static RunDirectory create(Path target, boolean overwrite) {
        Path absolute = target.toAbsolutePath().normalize();
        if (Files.exists(absolute) && !overwrite) {
            throw new InvalidInputException("--out " + target + " already exists; choose a new directory or pass --overwrite");
        }
        if (Files.exists(absolute) && !Files.isDirectory(absolute)) {
            throw new InvalidInputException("--out " + target + " exists and is not a directory");
        }
        try {
            Path parent = absolute.getParent();
            Files.createDirectories(parent);
            Path staging = Files.createTempDirectory(parent, "." + absolute.getFileName() + ".tmp-");
            return new RunDirectory(absolute, staging, overwrite);
        } catch (IOException e) {
            throw new InvalidInputException("--out " + target + ": cannot create (" + e.getMessage() + ")");
        }
    }

    /** Where files go until {@link #commit()}. */
    Path staging() {
        return staging;
    }

    Path target() {
        return target;
    }

    /** Moves the finished directory into place (replacing the old one when overwriting). */
    void commit() {
        try {
            makeReadable(staging);
            Path old = null;
            if (overwrite && Files.exists(target)) {
                old = Files.createTempDirectory(target.getParent(), "." + target.getFileName() + ".old-");
                Files.delete(old);
                Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
            }
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            committed = true;
            if (old != null) {
                deleteRecursively(old);
            }
        } catch (IOException e) {
            throw new AveronException("cannot move " + staging + " to " + target + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        if (!committed) {
            try {
                deleteRecursively(staging);
            } catch (IOException e) {
                // best effort: the staging directory is hidden and named after the run
            }
        }
    }

    /** Temporary files and directories are private (0600/0700); a finished run is readable like any output. */
    private static void makeReadable(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) paths::iterator) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(
                        Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: keep its defaults
        }
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (Files.exists(dir)) {
            PathUtils.deleteDirectory(dir);
        }
    }
}
