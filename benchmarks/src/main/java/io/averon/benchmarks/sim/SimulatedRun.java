package io.averon.benchmarks.sim;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Runs one {@link RunSpec} on a {@link SimulatedCluster}: one JVM per host (the server's on host 0
 * in server mode), each with the heap its vectors need, all sharing {@code directory}; waits for
 * every JVM (bounded), then reads their results and checks that every worker verified every round
 * exactly and saw the same averaged vector. {@code AVSIM_JAVA_OPTS} adds options to every host JVM.
 */
public final class SimulatedRun {

    private static final long POLL_MS = 100;
    /** How often the server host publishes its counters ({@code server-counters.properties}). */
    static final long SERVER_COUNTERS_PERIOD_MS = 250;
    /** Environment variable whose whitespace-separated words are added to every host JVM's options. */
    public static final String JAVA_OPTS_ENV = "AVSIM_JAVA_OPTS";

    private SimulatedRun() {
    }

    /** Runs {@code spec} with the host JVMs on {@code classpath}; {@code directory} must be empty. */
    public static RunResult execute(SimulatedCluster cluster, RunSpec spec, Path directory, String classpath) {
        try (Running run = start(cluster, spec, directory, classpath)) {
            return run.finish();
        }
    }

    /**
     * Starts {@code spec}'s host JVMs and returns at once, for a test that injects faults while the
     * run goes on ({@link Running#awaitRound}, {@link Running#pid}, {@link SimulatedCluster#partition})
     * and then reads how it ended ({@link Running#finish} or {@link Running#outcome}).
     */
    public static Running start(SimulatedCluster cluster, RunSpec spec, Path directory, String classpath) {
        if (cluster.hosts() < spec.hosts()) {
            throw new IllegalArgumentException(spec.hosts() + " hosts needed, the cluster has " + cluster.hosts());
        }
        Running run = new Running(spec, directory);
        try {
            int host = 0;
            if (spec.mode() == AveragingMode.SERVER) {
                start(cluster, spec, directory, classpath, host++, 0, 0, SimServerMain.class, run.processes, run.logs);
            }
            for (int first = 0; first < spec.workers(); first += spec.workersPerHost()) {
                int onHost = Math.min(spec.workersPerHost(), spec.workers() - first);
                start(cluster, spec, directory, classpath, host++, first, onHost, SimWorkerMain.class, run.processes,
                        run.logs);
            }
            return run;
        } catch (RuntimeException e) {
            run.close();
            throw e;
        }
    }

    /** A run's host JVMs while they run; closing stops them and deletes their Aeron directories. */
    public static final class Running implements AutoCloseable {
        private final RunSpec spec;
        private final Path directory;
        private final List<Process> processes = new ArrayList<>();
        private final List<Path> logs = new ArrayList<>();

        private Running(RunSpec spec, Path directory) {
            this.spec = spec;
            this.directory = directory;
        }

        public Path directory() {
            return directory;
        }

        /** The PID of host {@code host}'s JVM (the namespace shares the machine's PID space). */
        public long pid(int host) {
            return processes.get(host).pid();
        }

        /** The host that runs worker {@code worker} (the server's host is 0 in server mode). */
        public int hostOf(int worker) {
            return worker / spec.workersPerHost() + (spec.mode() == AveragingMode.SERVER ? 1 : 0);
        }

        /** Waits until every worker has reached round {@code round} (1-based), bounded by the run's timeout. */
        public void awaitRound(int round) {
            new Rendezvous(directory).awaitAll("round" + round + "-", spec.workers(),
                    Rendezvous.deadline(spec.timeoutMs()));
        }

        /**
         * Asks worker {@code worker} to stop before it pushes round {@code round}: call before the round;
         * {@link #awaitHeld} waits until it is there, {@link #release} lets it go on.
         */
        public void hold(int worker, int round) {
            new Rendezvous(directory).publish("hold-round" + round + "-" + worker, "");
        }

        public void awaitHeld(int worker, int round) {
            new Rendezvous(directory).await("held-round" + round + "-" + worker, Rendezvous.deadline(spec.timeoutMs()));
        }

        public void release(int worker, int round) {
            try {
                Files.deleteIfExists(directory.resolve("hold-round" + round + "-" + worker));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Every JVM exited 0 within the run's bound: the checked result, else an exception naming the host. */
        public RunResult finish() {
            try {
                awaitAll(spec, processes, logs);
                return collect(spec, directory);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /**
         * Waits (at most {@code timeoutMs}) for every worker JVM to exit, however it ended, and returns
         * how: exit codes by host (-1: still running, e.g. a server waiting for workers that failed),
         * each failed worker's message and when (wall clock) it failed, each finished worker's results,
         * and the server's last counters.
         */
        public Outcome outcome(long timeoutMs) throws IOException {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
            int firstWorkerHost = spec.mode() == AveragingMode.SERVER ? 1 : 0;
            for (int host = firstWorkerHost; host < processes.size(); host++) {
                long left = deadline - System.nanoTime();
                try {
                    processes.get(host).waitFor(Math.max(0, left), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted waiting for the run", e);
                }
            }
            try {
                Thread.sleep(3 * SERVER_COUNTERS_PERIOD_MS); // the server's counters, published after the last worker's end
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Map<Integer, Integer> exitCodes = new TreeMap<>();
            for (int host = 0; host < processes.size(); host++) {
                exitCodes.put(host, processes.get(host).isAlive() ? -1 : processes.get(host).exitValue());
            }
            Map<Integer, String> failures = new TreeMap<>();
            Map<Integer, Long> failedAtMs = new TreeMap<>();
            Map<Integer, Properties> results = new TreeMap<>();
            for (int w = 0; w < spec.workers(); w++) {
                Path result = directory.resolve("result-" + w + ".properties");
                if (Files.exists(result)) {
                    results.put(w, load(result));
                }
                Path failed = directory.resolve(Rendezvous.failure(w));
                if (Files.exists(failed)) {
                    String text = Files.readString(failed);
                    int newline = text.indexOf('\n');
                    failedAtMs.put(w, Long.parseLong(text.substring(0, newline)));
                    failures.put(w, text.substring(newline + 1));
                }
            }
            Path counters = directory.resolve("server-counters.properties");
            return new Outcome(exitCodes, failures, failedAtMs, results, Files.exists(counters) ? load(counters)
                    : new Properties());
        }

        /** The server's counters as last published (empty when sharded or not yet published). */
        public Properties serverCounters() throws IOException {
            Path counters = directory.resolve("server-counters.properties");
            return Files.exists(counters) ? load(counters) : new Properties();
        }

        /** The last lines of host {@code host}'s log. */
        public String log(int host) throws IOException {
            return tail(logs.get(host));
        }

        @Override
        public void close() {
            processes.forEach(Process::destroyForcibly);
            deleteAeronDirectories(processes, directory);
        }
    }

    /**
     * How a run with faults ended.
     *
     * @param exitCodes  by host: the JVM's exit code, -1 while it still ran
     * @param failures   by worker: the exception that ended it
     * @param failedAtMs by worker: when (System.currentTimeMillis) it failed
     * @param results    by worker that finished: what it wrote ({@code round.R.sha256}, {@code round.R.contributors},
     *                   {@code mismatches}, ...)
     * @param server     the server's last published counters (empty when sharded)
     */
    public record Outcome(Map<Integer, Integer> exitCodes, Map<Integer, String> failures, Map<Integer, Long> failedAtMs,
                          Map<Integer, Properties> results, Properties server) {

        /** A server counter (0 when absent). */
        public long serverCounter(String name) {
            return Long.parseLong(server.getProperty(name, "0"));
        }
    }

    /**
     * A JVM killed after a failure leaves its media driver's directory (log buffers, often hundreds
     * of MB of {@code /dev/shm}) behind: once the JVMs are gone, delete every directory they
     * announced as {@code aeron-dir-*}.
     */
    private static void deleteAeronDirectories(List<Process> processes, Path directory) {
        for (Process process : processes) {
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        try (var announced = Files.list(directory)) {
            for (Path file : announced.filter(f -> f.getFileName().toString().startsWith("aeron-dir-")).toList()) {
                Path aeron = Path.of(Files.readString(file).trim());
                if (aeron.getFileName().toString().startsWith("averon-") && Files.isDirectory(aeron)) {
                    org.agrona.IoUtil.delete(aeron.toFile(), true);
                }
            }
        } catch (IOException e) {
            System.err.println("could not remove the run's Aeron directories: " + e);
        }
    }

    private static void start(SimulatedCluster cluster, RunSpec spec, Path directory, String classpath, int host,
                              int first, int onHost, Class<?> main, List<Process> processes, List<Path> logs) {
        HostPlan plan = new HostPlan(directory, spec.mode(), spec.workers(), first, onHost, spec.workersPerHost(),
                spec.hierarchical(), cluster.address(host), spec.parameters(), spec.rounds(), spec.seed(), spec.mtuBytes(),
                spec.termLength(), spec.timeoutMs(), spec.heartbeatTimeoutMs(), spec.quorum(),
                spec.stateDirectory() == null ? "" : spec.stateDirectory().toString(), spec.sampleEvery());
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED", "-XX:+UseSerialGC", "-Xss512k",
                "-XX:ReservedCodeCacheSize=64m", "-Xmx" + (spec.heapBytes(onHost) >> 20) + "m",
                "-Djava.io.tmpdir=" + directory, "-Dlog4j2.level=WARN")); // warnings name excluded workers
        // extra options for every host JVM, e.g. Aeron system properties (-Daeron.publication.connection.timeout=30s)
        String extra = System.getenv().getOrDefault(JAVA_OPTS_ENV, "").trim();
        if (!extra.isEmpty()) {
            command.addAll(List.of(extra.split("\\s+")));
        }
        command.addAll(List.of("-cp", classpath, main.getName()));
        command.addAll(plan.toArgs());
        Path log = directory.resolve("host-" + host + ".log");
        logs.add(log);
        processes.add(cluster.start(host, command, log));
    }

    /** Waits for every JVM: all must exit 0 within the run's bound; the first failure stops the others. */
    private static void awaitAll(RunSpec spec, List<Process> processes, List<Path> logs) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(spec.timeoutMs() * (spec.rounds() + 4L));
        while (true) {
            boolean running = false;
            for (int i = 0; i < processes.size(); i++) {
                Process process = processes.get(i);
                if (process.isAlive()) {
                    running = true;
                } else if (process.exitValue() != 0) {
                    throw new IllegalStateException("host " + i + "'s JVM exited " + process.exitValue() + ": "
                            + tail(logs.get(i)));
                }
            }
            if (!running) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("the run did not finish in time; host 0's log: " + tail(logs.get(0)));
            }
            try {
                Thread.sleep(POLL_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for the run", e);
            }
        }
    }

    private static RunResult collect(RunSpec spec, Path directory) throws IOException {
        long[] startNs = new long[spec.rounds()];
        long[] endNs = new long[spec.rounds()];
        Arrays.fill(startNs, Long.MAX_VALUE);
        List<String> digests = new ArrayList<>();
        long checked = 0;
        long linkBytes = 0;
        Map<String, Long> driver = new TreeMap<>();
        for (int w = 0; w < spec.workers(); w++) {
            Properties result = load(directory.resolve("result-" + w + ".properties"));
            long mismatches = Long.parseLong(result.getProperty("mismatches"));
            if (mismatches != 0) {
                throw new IllegalStateException("worker " + w + ": " + mismatches + " averaged values differ from the exact mean");
            }
            checked += Long.parseLong(result.getProperty("checked"));
            linkBytes += Long.parseLong(result.getProperty("link.bytes", "0"));
            for (int r = 1; r <= spec.rounds(); r++) {
                startNs[r - 1] = Math.min(startNs[r - 1], Long.parseLong(result.getProperty("round." + r + ".startNs")));
                endNs[r - 1] = Math.max(endNs[r - 1], Long.parseLong(result.getProperty("round." + r + ".endNs")));
                String digest = result.getProperty("round." + r + ".sha256");
                if (w == 0) {
                    digests.add(digest);
                } else if (!digests.get(r - 1).equals(digest)) {
                    throw new IllegalStateException("round " + r + ": worker " + w + " averaged to " + digest
                            + ", worker 0 to " + digests.get(r - 1));
                }
            }
            for (String key : result.stringPropertyNames()) { // one driver per host, read by its first worker
                if (key.startsWith("driver.") && w % spec.workersPerHost() == 0) {
                    driver.merge(key.substring("driver.".length()), Long.parseLong(result.getProperty(key)), Long::sum);
                }
            }
        }
        long[] roundNs = new long[spec.rounds()];
        for (int r = 0; r < spec.rounds(); r++) {
            roundNs[r] = endNs[r] - startNs[r];
        }
        double serverLink = 0;
        if (spec.mode() == AveragingMode.SERVER) {
            serverLink = Double.parseDouble(load(directory.resolve("server.properties")).getProperty("link.bytes"))
                    / spec.rounds();
        }
        int firstTimed = spec.rounds() >= 3 ? 1 : 0;
        return new RunResult(spec, roundNs, List.copyOf(digests), checked,
                (double) linkBytes / spec.workers() / spec.rounds(), serverLink, driver, startNs[firstTimed],
                endNs[spec.rounds() - 1]);
    }

    private static Properties load(Path file) throws IOException {
        if (!Files.exists(file)) {
            throw new IllegalStateException("no result " + file.getFileName() + " in " + file.getParent());
        }
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            properties.load(in);
        }
        return properties;
    }

    private static String tail(Path log) throws IOException {
        if (!Files.exists(log)) {
            return "(no log)";
        }
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    }
}
