package io.averon.core.io;

import io.averon.core.InvalidInputException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * A file or directory read through the Hadoop FileSystem API, so a plain path, {@code file://},
 * {@code hdfs://} and any configured scheme ({@code s3a://} with its jars) behave the same. The
 * Hadoop configuration comes from the classpath / {@code HADOOP_CONF_DIR} as in Spark. Messages
 * name the location as the user wrote it. Local paths use Hadoop's raw local file system: nothing
 * done through a Location leaves Hadoop's {@code .crc} side files behind.
 */
public final class Location {

    private static final Pattern URI_SCHEME = Pattern.compile("^[a-zA-Z][a-zA-Z0-9+.-]*:/.*");

    private final String given;
    private final Path path;
    private final FileSystem fs;
    /** The status its directory listing returned, so listed entries cost no second lookup; else null. */
    private final FileStatus listed;

    private Location(String given, Path path, FileSystem fs, FileStatus listed) {
        this.given = given;
        this.path = path;
        this.fs = fs;
        this.listed = listed;
    }

    /** A plain path (relative to the working directory) or a URI with a scheme. */
    public static Location of(String location) {
        return of(location, new Configuration());
    }

    /** As {@link #of(String)}, with an explicit Hadoop configuration. */
    public static Location of(String location, Configuration conf) {
        Path path = isUri(location) ? new Path(location)
                : new Path("file", null, java.nio.file.Path.of(location).toAbsolutePath().normalize().toString());
        try {
            FileSystem fs = path.getFileSystem(conf);
            // the raw local file system: Hadoop's checksummed one would add .crc files beside what it writes
            FileSystem unchecked = fs instanceof LocalFileSystem local ? local.getRawFileSystem() : fs;
            return new Location(location, path, unchecked, null);
        } catch (IOException e) {
            throw new InvalidInputException(location + ": cannot open its file system (" + e.getMessage() + ")");
        }
    }

    /** A local path. */
    public static Location of(java.nio.file.Path path) {
        return of(path.toString());
    }

    /** Whether {@code location} names a scheme ({@code hdfs://...}, {@code file:/...}) rather than a plain path. */
    public static boolean isUri(String location) {
        return URI_SCHEME.matcher(location).matches();
    }

    public Path hadoopPath() {
        return path;
    }

    public FileSystem fileSystem() {
        return fs;
    }

    /** The last path element. */
    public String name() {
        return path.getName();
    }

    /** The entry {@code name} inside this directory. */
    public Location child(String name) {
        return child(name, null);
    }

    private Location child(String name, FileStatus status) {
        String sep = given.endsWith("/") ? "" : "/";
        return new Location(given + sep + name, new Path(path, name), fs, status);
    }

    /**
     * The entry {@code name} beside this one, in the same directory; named in messages like this
     * location with its last element replaced.
     */
    public Location sibling(String name) {
        Path parent = path.getParent();
        if (parent == null) {
            throw new InvalidInputException(given + ": the root has no directory to hold a sibling");
        }
        String trimmed = given.replaceAll("/+$", "");
        int slash = trimmed.lastIndexOf('/');
        return new Location(trimmed.substring(0, slash + 1) + name, new Path(parent, name), fs, null);
    }

    /**
     * A fresh hidden sibling {@code .NAME.TAG-RANDOM}, for staging a directory or moving one
     * aside; {@link #list()} skips it. Nothing is created.
     */
    public Location temporarySibling(String tag) {
        return sibling("." + name() + "." + tag + "-" + UUID.randomUUID());
    }

    /** Creates this directory and any missing parents; an existing directory is fine. */
    public void mkdirs() throws IOException {
        if (!fs.mkdirs(path)) {
            throw new IOException(given + ": cannot create directory");
        }
    }

    /** Deletes this file, or this directory with everything in it; returns whether anything was there. */
    public boolean delete() throws IOException {
        return fs.delete(path, true);
    }

    /**
     * Renames this file or directory to {@code target} on the same file system, atomically where
     * the file system renames atomically (HDFS, POSIX local). Never replaces or moves into an
     * existing {@code target}: that fails with {@link org.apache.hadoop.fs.FileAlreadyExistsException}.
     */
    public void renameTo(Location target) throws IOException {
        FileContext.getFileContext(fs.getUri(), fs.getConf())
                .rename(fs.makeQualified(path), fs.makeQualified(target.path));
    }

    public boolean exists() {
        return status() != null;
    }

    public boolean isDirectory() {
        FileStatus s = status();
        return s != null && s.isDirectory();
    }

    public boolean isFile() {
        FileStatus s = status();
        return s != null && s.isFile();
    }

    /** Length in bytes; throws if it is not a file. */
    public long length() {
        FileStatus s = status();
        if (s == null || !s.isFile()) {
            throw new InvalidInputException(given + ": " + (s == null ? "no such file" : "is a directory, not a file"));
        }
        return s.getLen();
    }

    public InputStream open() throws IOException {
        return fs.open(path);
    }

    /** The entries of this directory, by name, hidden ones ({@code .x}, {@code _x}) left out. */
    public List<Location> list() {
        try {
            FileStatus[] entries = fs.listStatus(path);
            Arrays.sort(entries, Comparator.comparing(e -> e.getPath().getName()));
            List<Location> out = new ArrayList<>();
            for (FileStatus e : entries) {
                String name = e.getPath().getName();
                if (!name.startsWith(".") && !name.startsWith("_")) {
                    out.add(child(name, e));
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(given + ": cannot list (" + e.getMessage() + ")", e);
        }
    }

    private FileStatus status() {
        if (listed != null) {
            return listed;
        }
        try {
            return fs.getFileStatus(path);
        } catch (FileNotFoundException e) {
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(given + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return given;
    }
}
