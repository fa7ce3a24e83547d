package io.averon.driver.training;

import io.averon.core.AveronException;
import io.averon.core.train.EpochRecord;
import io.averon.core.train.EvaluationResult;
import io.averon.ps.report.Report;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Merges the workers' per-epoch reports ({@link WorkerEpochReport}) on the driver: once every
 * worker's partial metrics and worker 0's averaged model of an epoch are in, the epoch is complete,
 * with each worker's round lag ({@link RoundLagMeter}). Epochs complete in order; a relaunched
 * attempt's repeated report never replaces one that carried training figures.
 */
final class EpochAggregator {

    private static final Logger LOG = LoggerFactory.getLogger(EpochAggregator.class);

    /** A completed epoch: its record and the averaged model vector after it. */
    record Completed(EpochRecord record, float[] vector) {
    }

    private final int workers;
    private final List<String> classNames;
    private final RoundLagMeter roundLag;
    private final TreeMap<Integer, WorkerEpochReport[]> partials = new TreeMap<>();
    private final TreeMap<Integer, float[]> vectors = new TreeMap<>();
    private int lastCompleted;
    private long lastCompletedNs;

    EpochAggregator(int workers, List<String> classNames, int epochsAlreadyDone, RoundLagMeter roundLag) {
        this.workers = workers;
        this.classNames = classNames;
        this.roundLag = roundLag;
        this.lastCompleted = epochsAlreadyDone;
        this.lastCompletedNs = System.nanoTime();
    }

    int lastCompleted() {
        return lastCompleted;
    }

    /** Takes one report; returns the epochs it completed, in order (usually none or one). */
    List<Completed> accept(Report report) {
        int epoch = (int) report.round();
        if (epoch <= lastCompleted) {
            return List.of(); // a relaunched worker repeating a report the driver already has
        }
        if (report.values() != null) {
            if (report.workerId() == 0) {
                vectors.put(epoch, report.values());
            }
        } else {
            WorkerEpochReport partial = read(report);
            WorkerEpochReport[] slots = partials.computeIfAbsent(epoch, e -> new WorkerEpochReport[workers]);
            int w = report.workerId();
            if (w >= workers) {
                LOG.warn("report from unknown worker {} ignored", w);
                return List.of();
            }
            if (slots[w] == null || slots[w].examples() == 0) {
                slots[w] = partial;
            }
        }
        List<Completed> done = new ArrayList<>();
        while (complete(lastCompleted + 1)) {
            done.add(finish(lastCompleted + 1));
        }
        return done;
    }

    private boolean complete(int epoch) {
        WorkerEpochReport[] slots = partials.get(epoch);
        if (slots == null || !vectors.containsKey(epoch)) {
            return false;
        }
        for (WorkerEpochReport p : slots) {
            if (p == null) {
                return false;
            }
        }
        return true;
    }

    private Completed finish(int epoch) {
        WorkerEpochReport[] slots = partials.remove(epoch);
        float[] vector = vectors.remove(epoch);
        double lossSum = 0;
        long examples = 0;
        double[] sync = new double[workers];
        double[] compute = new double[workers];
        int[] attempts = new int[workers];
        int[] rounds = new int[workers];
        EvaluationResult test = slots[0].testMetrics(classNames);
        EvaluationResult train = slots[0].trainMetrics(classNames);
        for (int w = 0; w < workers; w++) {
            lossSum += slots[w].trainLossSum();
            examples += slots[w].examples();
            sync[w] = slots[w].syncSeconds();
            compute[w] = slots[w].computeSeconds();
            attempts[w] = slots[w].attempt();
            rounds[w] = slots[w].rounds();
            if (w > 0) {
                test = test.merge(slots[w].testMetrics(classNames));
                EvaluationResult workerTrain = slots[w].trainMetrics(classNames);
                train = train == null || workerTrain == null ? null : train.merge(workerTrain);
            }
        }
        long now = System.nanoTime();
        double wall = (now - lastCompletedNs) / 1e9;
        lastCompletedNs = now;
        lastCompleted = epoch;
        EpochRecord record = new EpochRecord(epoch, examples > 0 ? lossSum / examples : Double.NaN, train, test,
                examples, wall, new EpochRecord.Distributed(workers, sync, compute, attempts, rounds,
                roundLag.seconds(epoch)));
        return new Completed(record, vector);
    }

    /** The report's figures; a report that cannot be read, or whose metrics cannot be, fails the run here. */
    private WorkerEpochReport read(Report report) {
        try {
            WorkerEpochReport parsed = WorkerEpochReport.fromJson(report.json());
            parsed.testMetrics(classNames); // the metrics are merged only once the epoch completes: check them now
            parsed.trainMetrics(classNames);
            return parsed;
        } catch (RuntimeException e) {
            throw new AveronException("worker " + report.workerId() + " sent a malformed report for epoch "
                    + report.round() + ": " + e.getMessage(), e);
        }
    }
}
