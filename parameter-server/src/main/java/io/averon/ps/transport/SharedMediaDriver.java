package io.averon.ps.transport;

import java.util.HashMap;
import java.util.Map;

/**
 * One embedded media driver per job and JVM, shared by every worker of that job in the JVM (the
 * tasks of one Spark executor): one driver thread and one set of sockets instead of one per task,
 * which on a many-core executor with many tasks is most of the transport's CPU. Reference counted:
 * the first {@link #acquire} launches it, the last lease's {@link Lease#close} stops it and
 * deletes its directory.
 */
public final class SharedMediaDriver {

    private static final Map<String, Shared> BY_JOB = new HashMap<>();

    private static final class Shared {
        final EmbeddedMediaDriver driver;
        int leases;

        Shared(EmbeddedMediaDriver driver) {
            this.driver = driver;
        }
    }

    private SharedMediaDriver() {
    }

    /** A lease on job {@code owner}'s driver in this JVM ([A-Za-z0-9_-] names), launching it if needed. */
    public static Lease acquire(String owner) {
        synchronized (BY_JOB) {
            Shared shared = BY_JOB.get(owner);
            if (shared == null) {
                shared = new Shared(EmbeddedMediaDriver.launch(owner));
                BY_JOB.put(owner, shared);
            }
            shared.leases++;
            return new Lease(owner, shared.driver.directory());
        }
    }

    /** Use of the shared driver; close it when done (the last one stops the driver). */
    public static final class Lease implements AutoCloseable {
        private final String owner;
        private final String directory;
        private boolean closed;

        private Lease(String owner, String directory) {
            this.owner = owner;
            this.directory = directory;
        }

        /** The driver's Aeron directory, for the clients that use it. */
        public String directory() {
            return directory;
        }

        @Override
        public void close() {
            synchronized (BY_JOB) {
                if (closed) {
                    return;
                }
                closed = true;
                Shared shared = BY_JOB.get(owner);
                if (shared != null && --shared.leases == 0) {
                    BY_JOB.remove(owner);
                    shared.driver.close();
                }
            }
        }
    }
}
