package io.averon.benchmarks.sim;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * What a simulated run measured, after {@link SimulatedRun} checked that every worker saw the
 * same averaged vector in every round.
 *
 * @param spec                 the run
 * @param roundNs              per round, from the first worker's push to the last worker's result
 * @param digests              per round, the SHA-256 of the averaged vector (equal in every worker)
 * @param checkedValues        averaged values compared with the exact expected mean, over all workers
 * @param linkBytesPerWorker   bytes on the worker hosts' links (sent + received, IP and above) per
 *                             worker per round
 * @param serverLinkBytes      bytes on the server host's link per round (0 when sharded)
 * @param driverCounters       Aeron loss-repair counters (NAKs, retransmits...) summed over the run's media drivers
 * @param timedFromNs          {@link System#nanoTime()} (CLOCK_MONOTONIC, the same in every JVM of the machine)
 *                             when the first timed round started
 * @param timedToNs            ... and when the last round ended
 */
public record RunResult(RunSpec spec, long[] roundNs, List<String> digests, long checkedValues,
                        double linkBytesPerWorker, double serverLinkBytes, Map<String, Long> driverCounters,
                        long timedFromNs, long timedToNs) {

    /** Median round time in seconds, leaving out the first (warm-up) round when there are at least 3. */
    public double medianRoundSeconds() {
        long[] timed = roundNs.length >= 3 ? Arrays.copyOfRange(roundNs, 1, roundNs.length) : roundNs.clone();
        Arrays.sort(timed);
        int n = timed.length;
        double median = n % 2 == 1 ? timed[n / 2] : (timed[n / 2 - 1] + timed[n / 2]) / 2.0;
        return median / 1e9;
    }

    /** Bytes on a worker host's link (sent + received) per round, averaged over the worker hosts. */
    public double linkBytesPerHost() {
        return linkBytesPerWorker * spec.workers() / spec.workerHosts();
    }

    /** A driver counter's sum (0 when absent). */
    public long driverCounter(String name) {
        return driverCounters.getOrDefault(name, 0L);
    }
}
