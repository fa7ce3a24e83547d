package io.averon.ps.transport;

import io.aeron.Aeron;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import org.agrona.concurrent.BackoffIdleStrategy;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/**
 * An Aeron media driver running inside this JVM, with an Aeron client connected to it.
 *
 * <p>Each instance gets its own Aeron directory ({@code <base>/averon-<owner>-<random>}, on
 * {@code /dev/shm} when present), so several JVMs (or several drivers in one JVM) on one host never
 * collide, and the directory with its log buffers is deleted on {@link #close()}.
 */
public final class EmbeddedMediaDriver implements AutoCloseable {

    private static final Path SHM = Path.of("/dev/shm");
    /** UDP socket buffer size (the kernel caps it at net.core.rmem_max / wmem_max). */
    static final int SOCKET_BUFFER_BYTES = 2 << 20;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(EmbeddedMediaDriver.class);

    private final MediaDriver driver;
    private final Aeron aeron;
    private final String directory;

    private EmbeddedMediaDriver(MediaDriver driver, Aeron aeron, String directory) {
        this.driver = driver;
        this.aeron = aeron;
        this.directory = directory;
    }

    /**
     * Launches a driver in a fresh directory under {@code /dev/shm} (or the temp directory).
     *
     * @param owner a short name that shows up in the directory name (e.g. the job id), [A-Za-z0-9_-]
     */
    public static EmbeddedMediaDriver launch(String owner) {
        Path base = Files.isDirectory(SHM) && Files.isWritable(SHM) ? SHM : Path.of(System.getProperty("java.io.tmpdir"));
        return launch(base, owner);
    }

    /** Launches a driver in a fresh directory under {@code base}. */
    public static EmbeddedMediaDriver launch(Path base, String owner) {
        if (!owner.matches("[A-Za-z0-9_-]{1,64}")) {
            throw new IllegalArgumentException("owner must be 1-64 characters of [A-Za-z0-9_-], got '" + owner + "'");
        }
        String dir = base.resolve("averon-" + owner + "-" + UUID.randomUUID()).toString();
        ThreadingMode threading = threadingFor(Runtime.getRuntime().availableProcessors());
        LOG.info("Aeron media driver in {}: {} threading ({} cores), socket buffers {} bytes, client liveness {} s",
                dir, threading, Runtime.getRuntime().availableProcessors(), SOCKET_BUFFER_BYTES,
                Timeouts.CLIENT_LIVENESS_MS / 1000);
        MediaDriver.Context context = new MediaDriver.Context()
                .aeronDirectoryName(dir)
                .errorHandler(e -> LOG.warn("Aeron media driver error ({}): {}", dir, e.toString()))
                .threadingMode(threading)
                .conductorIdleStrategy(new BackoffIdleStrategy())
                .senderIdleStrategy(new BackoffIdleStrategy())
                .receiverIdleStrategy(new BackoffIdleStrategy())
                .sharedNetworkIdleStrategy(new BackoffIdleStrategy())
                .sharedIdleStrategy(new BackoffIdleStrategy())
                .dirDeleteOnStart(true)
                .dirDeleteOnShutdown(true)
                .clientLivenessTimeoutNs(Timeouts.nanos(Timeouts.CLIENT_LIVENESS_MS))
                .publicationUnblockTimeoutNs(Timeouts.nanos(Timeouts.PUBLICATION_UNBLOCK_MS))
                .publicationConnectionTimeoutNs(Timeouts.nanos(Timeouts.PUBLICATION_CONNECTION_MS))
                .imageLivenessTimeoutNs(Timeouts.nanos(Timeouts.IMAGE_LIVENESS_MS))
                // UDP socket buffers of 2 MiB, receiver windows of at most Aeron's 128 KiB
                // (Ports.receiverWindowBytes): the server's one receive socket takes every worker's
                // window at once, so windows x senders must fit the buffer (2 MiB windows from 2
                // senders overran it: drops, NAK storms, stalls).
                .socketRcvbufLength(SOCKET_BUFFER_BYTES)
                .socketSndbufLength(SOCKET_BUFFER_BYTES);
        MediaDriver driver = MediaDriver.launch(context);
        try {
            Aeron aeron = Aeron.connect(clientContext(dir));
            return new EmbeddedMediaDriver(driver, aeron, dir);
        } catch (RuntimeException e) {
            driver.close();
            throw e;
        }
    }

    /** The running driver's context (tests read its timeouts). */
    MediaDriver.Context mediaDriverContext() {
        return driver.context();
    }

    /**
     * An Aeron client context for {@code aeronDirectory} whose errors are logged. Aeron's default
     * handler calls {@code System.exit} when the driver stops answering, which would kill a Spark
     * executor; here the client's calls fail instead and the caller's deadline reports it.
     */
    public static Aeron.Context clientContext(String aeronDirectory) {
        return new Aeron.Context().aeronDirectoryName(aeronDirectory)
                .driverTimeoutMs(Timeouts.CLIENT_LIVENESS_MS)
                .errorHandler(e -> LOG.warn("Aeron client error ({}): {}", aeronDirectory, e.toString()))
                .subscriberErrorHandler(e -> LOG.warn("Aeron subscriber error ({}): {}", aeronDirectory, e.toString()));
    }

    /**
     * The driver's threads for a machine of {@code cores}: one shared thread on small machines, where
     * the training threads need the cores; a separate sender/receiver thread from 4 cores; a
     * thread each for conductor, sender and receiver from 8, where a round's transfer is worth a core.
     */
    static ThreadingMode threadingFor(int cores) {
        return cores >= 8 ? ThreadingMode.DEDICATED : cores >= 4 ? ThreadingMode.SHARED_NETWORK : ThreadingMode.SHARED;
    }

    /** The Aeron client connected to this driver. */
    public Aeron aeron() {
        return aeron;
    }

    /** This driver's Aeron directory. */
    public String directory() {
        return directory;
    }

    /** Closes the client, then the driver; the directory is deleted. */
    @Override
    public void close() {
        try {
            aeron.close();
        } finally {
            driver.close();
            File dir = new File(directory);
            if (dir.exists()) {
                org.agrona.IoUtil.delete(dir, true);
            }
        }
    }
}
