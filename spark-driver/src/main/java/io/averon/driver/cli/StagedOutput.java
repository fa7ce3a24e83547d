package io.averon.driver.cli;

import io.averon.core.AveronException;
import io.averon.core.InvalidInputException;
import io.averon.core.io.Location;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.util.UUID;

/**
 * An output directory on any Hadoop FileSystem, written under a hidden sibling name and renamed
 * into place only when complete: a failed job leaves nothing at the final location, and with
 * {@code --overwrite} the old output stays readable until the new one replaces it. Closing
 * without {@link #commit()} deletes the staging directory.
 */
final class StagedOutput implements AutoCloseable {

    private final Location target;
    private final Location staging;
    private final boolean overwrite;
    private boolean committed;

    private StagedOutput(Location target, Location staging, boolean overwrite) {
        this.target = target;
        this.staging = staging;
        this.overwrite = overwrite;
    }

    /**
     * Checks that {@code target} may be written; the staging directory is not created (Spark's
     * writers create it).
     *
     * @param option the option that named it, for messages ({@code --output})
     */
    static StagedOutput create(Location target, boolean overwrite, String option) {
        if (target.exists() && !overwrite) {
            throw new InvalidInputException(option + " " + target + " already exists; choose a new location or pass "
                    + "--overwrite");
        }
        if (target.exists() && !target.isDirectory()) {
            throw new InvalidInputException(option + " " + target + " exists and is not a directory");
        }
        Path parent = target.hadoopPath().getParent();
        if (parent == null) {
            throw new InvalidInputException(option + " " + target + ": cannot write to the root directory");
        }
        Location staging = Location.of(new Path(parent, "." + target.name() + ".tmp-" + UUID.randomUUID()).toString());
        return new StagedOutput(target, staging, overwrite);
    }

    /** Where everything goes until {@link #commit()}. */
    Location staging() {
        return staging;
    }

    Location target() {
        return target;
    }

    /** Renames the finished directory into place, replacing the old one when overwriting. */
    void commit() {
        FileSystem fs = target.fileSystem();
        Path to = target.hadoopPath();
        try {
            Path old = null;
            if (overwrite && fs.exists(to)) {
                old = new Path(to.getParent(), "." + to.getName() + ".old-" + UUID.randomUUID());
                rename(fs, to, old);
            }
            rename(fs, staging.hadoopPath(), to);
            committed = true;
            if (old != null) {
                fs.delete(old, true);
            }
        } catch (IOException e) {
            throw new AveronException("cannot move " + staging + " to " + target + ": " + e.getMessage(), e);
        }
    }

    private static void rename(FileSystem fs, Path from, Path to) throws IOException {
        if (!fs.rename(from, to)) {
            throw new IOException("the file system refused to rename " + from + " to " + to);
        }
    }

    @Override
    public void close() {
        if (!committed) {
            try {
                staging.fileSystem().delete(staging.hadoopPath(), true);
            } catch (IOException e) {
                // best effort: the staging directory is hidden and named after the output
            }
        }
    }
}
