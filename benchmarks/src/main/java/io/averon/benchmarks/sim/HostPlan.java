package io.averon.benchmarks.sim;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What one simulated host's JVM runs: workers {@code firstWorker .. firstWorker + workersOnHost - 1}
 * of a run of {@code workers}, on address {@code host}; passed as {@code key=value} arguments.
 *
 * @param directory     the shared rendezvous directory, where results are written too
 * @param mode          who averages
 * @param workers       workers in the run (N)
 * @param firstWorker   the first worker id on this host
 * @param workersOnHost worker threads in this JVM (0 for the server's JVM)
 * @param workersPerHost the run's packing: host {@code h} runs workers {@code h·workersPerHost ..}
 * @param hierarchical  whether each host's workers form a task group whose leader alone goes upstream
 * @param host          this host's address, which its sockets bind and the others reach
 * @param parameters    floats per vector (M)
 * @param rounds        rounds to run (R)
 * @param seed          seed of the synthetic contributions
 * @param mtuBytes      Aeron MTU
 * @param termLength    Aeron term length
 * @param timeoutMs     a bound on every wait (rendezvous, join, each round), and the rounds' timeout
 * @param heartbeatTimeoutMs the rounds' heartbeat timeout
 * @param quorum        fewest workers a round may close with
 * @param stateDirectory where the server keeps its closed rounds (a later run resumes them); empty: none
 * @param sampleEvery   every how many rounds this JVM samples its {@link ResourceUsage} (0: never)
 */
public record HostPlan(Path directory, AveragingMode mode, int workers, int firstWorker, int workersOnHost,
                       int workersPerHost, boolean hierarchical, String host, int parameters, int rounds, long seed,
                       int mtuBytes, int termLength, long timeoutMs, long heartbeatTimeoutMs, int quorum,
                       String stateDirectory, int sampleEvery) {

    public HostPlan {
        if (workers < 1 || firstWorker < 0 || workersOnHost < 0 || firstWorker + workersOnHost > workers) {
            throw new IllegalArgumentException("workers " + firstWorker + ".." + (firstWorker + workersOnHost - 1)
                    + " are not within the run's " + workers);
        }
        if (workersPerHost < 1 || workersOnHost > workersPerHost || firstWorker % workersPerHost != 0) {
            throw new IllegalArgumentException("host of workers " + firstWorker + ".." + (firstWorker + workersOnHost - 1)
                    + " does not fit a packing of " + workersPerHost + " per host");
        }
        if (parameters < workers || rounds < 1 || timeoutMs < 1) {
            throw new IllegalArgumentException("need parameters >= workers, rounds >= 1 and a timeout > 0");
        }
    }

    /** Who takes part in the rounds across the network: every worker, or each host's group leader. */
    public int upstreamWorkers() {
        return hierarchical ? (workers + workersPerHost - 1) / workersPerHost : workers;
    }

    /** Workers whose vectors a group averages first: the packing when hierarchical, else 1 (a group of one). */
    public int groupSize() {
        return hierarchical ? workersPerHost : 1;
    }

    /**
     * How long a worker waits for a round's result after pushing, as Averon's workers do
     * ({@link io.averon.ps.round.RoundSettings#workerWaitMs}): longer than the round's own wait
     * ({@code timeoutMs}), so that a failed round's refusal, which names the missing workers,
     * arrives before the worker gives up.
     */
    public long workerWaitMs() {
        return io.averon.ps.round.RoundSettings.workerWaitMs(timeoutMs, 0, (long) parameters * Float.BYTES,
                upstreamWorkers(), heartbeatTimeoutMs());
    }

    /** Whether this JVM samples its resources after round {@code round}. */
    public boolean samplesAfter(long round) {
        return sampleEvery > 0 && round % sampleEvery == 0;
    }

    /** The key prefix of the resource sample taken after round {@code round}. */
    public static String usagePrefix(long round) {
        return "usage." + round + ".";
    }

    /** The arguments {@link #parse} reads back. */
    public List<String> toArgs() {
        return List.of("dir=" + directory, "mode=" + mode, "workers=" + workers, "first=" + firstWorker,
                "onHost=" + workersOnHost, "perHost=" + workersPerHost, "hierarchical=" + hierarchical,
                "host=" + host, "params=" + parameters, "rounds=" + rounds,
                "seed=" + seed, "mtu=" + mtuBytes, "term=" + termLength, "timeoutMs=" + timeoutMs,
                "heartbeatTimeoutMs=" + heartbeatTimeoutMs, "quorum=" + quorum, "stateDir=" + stateDirectory,
                "sampleEvery=" + sampleEvery);
    }

    public static HostPlan parse(String[] args) {
        Map<String, String> values = KeyValueArgs.parse(args);
        return new HostPlan(Path.of(required(values, "dir")), AveragingMode.parse(required(values, "mode")),
                Integer.parseInt(required(values, "workers")), Integer.parseInt(required(values, "first")),
                Integer.parseInt(required(values, "onHost")), Integer.parseInt(required(values, "perHost")),
                Boolean.parseBoolean(required(values, "hierarchical")), required(values, "host"),
                Integer.parseInt(required(values, "params")), Integer.parseInt(required(values, "rounds")),
                Long.parseLong(required(values, "seed")), Integer.parseInt(required(values, "mtu")),
                Integer.parseInt(required(values, "term")), Long.parseLong(required(values, "timeoutMs")),
                Long.parseLong(required(values, "heartbeatTimeoutMs")), Integer.parseInt(required(values, "quorum")),
                values.getOrDefault("stateDir", ""), Integer.parseInt(required(values, "sampleEvery")));
    }

    private static String required(Map<String, String> values, String key) {
        String value = values.get(key);
        if (value == null) {
            throw new IllegalArgumentException("missing argument " + key + "=...");
        }
        return value;
    }
}
