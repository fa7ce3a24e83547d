package io.averon.driver.cli;

import io.averon.core.io.Location;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.FileAppender;
import org.apache.logging.log4j.core.config.AbstractConfiguration;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.filter.LevelRangeFilter;
import org.apache.logging.log4j.core.layout.PatternLayout;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where one command's log goes. Always to a log file; to stderr with {@code --verbose}, when
 * spark-submit launched the driver (Spark's convention: the driver's log is its stderr), or for a
 * {@link Service}. Otherwise stderr carries only progress, the epoch lines, Averon's own warnings
 * (such as an unsigned model's notice) and the one {@code averon:} error line: no library
 * warnings, no information lines, no stack traces.
 *
 * <p>The file is written under {@code java.io.tmpdir/averon-logs} while the command runs. A run
 * copies it into its {@code --out} as {@value #FILE_NAME} (a Spark run after every epoch, at its end and
 * when it fails: the log of its last attempt); a failed command keeps it and its error line names
 * it; otherwise it is deleted when the command ends.
 */
final class CommandLog implements AutoCloseable {

    /** A long-running command ({@code averon ps}): its log is its output, on stderr as a daemon's is. */
    interface Service {
    }

    /** The log's name inside a run directory. */
    static final String FILE_NAME = "averon.log";

    private static final String APPENDER = "averon-command-log";
    private static final String CONSOLE = "stderr"; // log4j2.properties
    private static final String AVERON = "io.averon"; // log4j2.properties
    private static CommandLog current;

    private final Path file;
    private final LoggerContext context;
    private final FileAppender appender;
    private final Appender silenced;
    private boolean keep;
    private int users = 1;

    private CommandLog(Path file, LoggerContext context, FileAppender appender, Appender silenced) {
        this.file = file;
        this.context = context;
        this.appender = appender;
        this.silenced = silenced;
    }

    /**
     * Starts the log of command {@code name}: a new file, and on stderr only Averon's own warnings
     * (e.g. an unsigned model's notice) unless {@code console}. A command started while another
     * runs in this JVM (an application that calls the CLI from two threads) shares that one's log,
     * which closes when both have ended.
     */
    static synchronized CommandLog start(String name, boolean console) {
        if (current != null) {
            current.users++;
            return current;
        }
        Path file = newFile(name);
        LoggerContext context = LoggerContext.getContext(false);
        Configuration config = context.getConfiguration();
        FileAppender appender = FileAppender.newBuilder().setName(APPENDER).withFileName(file.toString())
                .setLayout(PatternLayout.newBuilder().withConfiguration(config)
                        .withPattern("%d{yyyy-MM-dd HH:mm:ss.SSS} %-5p [%t] %c{1}: %m%n").build())
                .setConfiguration(config).build();
        appender.start();
        config.addAppender(appender);
        LoggerConfig root = config.getRootLogger();
        root.addAppender(appender, null, null);
        Appender stderr = root.getAppenders().get(CONSOLE);
        LoggerConfig averon = config.getLoggers().get(AVERON);
        boolean quiet = !console && stderr != null;
        if (quiet) {
            root.removeAppender(CONSOLE);
            if (averon != null) {
                averon.addAppender(stderr, null, LevelRangeFilter.createFilter(Level.WARN, Level.WARN, null, null));
            }
        }
        context.updateLoggers();
        current = new CommandLog(file, context, appender, quiet ? stderr : null);
        return current;
    }

    /** The log of the command running in this JVM, or null (the API used without the CLI). */
    static synchronized CommandLog current() {
        return current;
    }

    Path file() {
        return file;
    }

    /** Keeps the file after the command (it failed: the error line names it). */
    void keep() {
        keep = true;
    }

    /**
     * Copies the log so far of the command running in this JVM into {@code directory} as
     * {@value #FILE_NAME} (replacing an earlier copy); nothing when no command log is open.
     */
    static void copyInto(Location directory) {
        CommandLog log = current();
        if (log != null) {
            log.copyTo(directory);
        }
    }

    /**
     * A run listener that keeps the command's log in a run's output directory: copied after every
     * epoch and at the end, and after a failure once the directory exists (a resumable run keeps
     * the log of its failure). Listed after the {@code RunOutput} that creates the directory.
     */
    static io.averon.driver.run.RunListener keptIn(Location directory) {
        return new io.averon.driver.run.RunListener() {
            @Override
            public void onEpochModel(io.averon.core.train.EpochRecord record, io.averon.core.model.AveronModel model) {
                copyInto(directory);
            }

            @Override
            public void onRunEnd(io.averon.driver.run.Trained trained, HardExamplesFinder hardExamples) {
                copyInto(directory);
            }

            @Override
            public void onRunFailed(RuntimeException failure) {
                if (directory.exists()) {
                    org.slf4j.LoggerFactory.getLogger(CommandLog.class).error("training failed", failure);
                    copyInto(directory);
                }
            }
        };
    }

    private void copyTo(Location directory) {
        try {
            directory.fileSystem().copyFromLocalFile(false, true, new org.apache.hadoop.fs.Path(file.toUri()),
                    directory.child(FILE_NAME).hadoopPath());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy the log " + file + " into " + directory + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        synchronized (CommandLog.class) {
            if (--users > 0) {
                return;
            }
            Configuration config = context.getConfiguration();
            LoggerConfig root = config.getRootLogger();
            root.removeAppender(APPENDER);
            if (silenced != null) {
                LoggerConfig averon = config.getLoggers().get(AVERON);
                if (averon != null) {
                    averon.removeAppender(CONSOLE);
                }
                root.addAppender(silenced, null, null);
            }
            context.updateLoggers();
            appender.stop();
            if (config instanceof AbstractConfiguration abstractConfig) {
                abstractConfig.removeAppender(APPENDER);
            }
            current = null;
        }
        if (!keep) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // best effort: it is in the temporary directory
            }
        }
    }

    private static Path newFile(String name) {
        try {
            Path dir = Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"), "averon-logs"));
            return Files.createTempFile(dir, "averon-" + name + "-", ".log");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a log file under java.io.tmpdir: " + e.getMessage(), e);
        }
    }
}
