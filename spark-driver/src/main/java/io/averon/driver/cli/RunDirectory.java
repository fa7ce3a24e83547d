package io.averon.driver.cli;

import io.averon.core.AveronException;
import io.averon.core.InvalidInputException;
import io.averon.core.io.Location;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;

/**
 * A run's output directory on any Hadoop FileSystem, written under a hidden temporary sibling name
 * and renamed into place only when everything in it is complete. A failed run leaves nothing at
 * the final location. Close without {@link #commit()} deletes the temporary directory.
 */
final class RunDirectory implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RunDirectory.class);

    private final Location target;
    private final Location staging;
    private final boolean overwrite;
    private final boolean holdsLog;
    private boolean committed;

    private RunDirectory(Location target, Location staging, boolean overwrite, boolean holdsLog) {
        this.target = target;
        this.staging = staging;
        this.overwrite = overwrite;
        this.holdsLog = holdsLog;
    }

    /**
     * Checks that {@code target} ({@code --out}) may be written and creates the staging directory
     * beside it. A run directory: it gets the command's log ({@link CommandLog#FILE_NAME}) when committed.
     */
    static RunDirectory create(Location target, boolean overwrite) {
        RunDirectory run = check(target, overwrite, "--out", true);
        try {
            run.staging.mkdirs();
            return run;
        } catch (IOException e) {
            throw new InvalidInputException("--out " + target + ": cannot create (" + e.getMessage() + ")");
        }
    }

    /**
     * Checks that {@code target} may be written; the staging directory is left for Spark's writers
     * to create (they refuse an existing one).
     *
     * @param option the option that named the target, for messages ({@code --output})
     */
    static RunDirectory forSparkOutput(Location target, boolean overwrite, String option) {
        return check(target, overwrite, option, false);
    }

    private static RunDirectory check(Location target, boolean overwrite, String option, boolean holdsLog) {
        if (target.exists() && !overwrite) {
            throw new InvalidInputException(option + " " + target + " already exists; choose a new directory or pass "
                    + "--overwrite");
        }
        if (target.exists() && !target.isDirectory()) {
            throw new InvalidInputException(option + " " + target + " exists and is not a directory");
        }
        return new RunDirectory(target, target.temporarySibling("tmp"), overwrite, holdsLog);
    }

    /** Where files go until {@link #commit()}. */
    Location staging() {
        return staging;
    }

    Location target() {
        return target;
    }

    /** Moves the finished directory into place (replacing the old one when overwriting), with the log if it holds one. */
    void commit() {
        if (holdsLog) {
            CommandLog.copyInto(staging);
        }
        Location old = null;
        try {
            if (overwrite && target.exists()) {
                old = target.temporarySibling("old");
                target.renameTo(old);
            }
            staging.renameTo(target);
            committed = true;
        } catch (IOException e) {
            if (old != null) {
                restore(old);
            }
            throw new AveronException("cannot move " + staging + " to " + target + ": " + e.getMessage(), e);
        }
        if (old != null) {
            try {
                old.delete();
            } catch (IOException e) {
                LOG.warn("could not delete the replaced run {}: {}", old, e.getMessage());
            }
        }
    }

    private void restore(Location old) {
        try {
            old.renameTo(target);
        } catch (IOException e) {
            LOG.warn("the replaced run is still at {}: {}", old, e.getMessage());
        }
    }

    @Override
    public void close() {
        if (!committed) {
            try {
                staging.delete();
            } catch (IOException e) {
                // best effort: the staging directory is hidden and named after the run
            }
        }
    }
}
