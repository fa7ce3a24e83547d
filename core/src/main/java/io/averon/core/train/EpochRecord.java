package io.averon.core.train;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One epoch's figures, as appended to {@code metrics.json}.
 *
 * @param epoch       1-based epoch number
 * @param trainLoss   mean minibatch loss over the epoch (as the optimiser saw it, dropout on)
 * @param train       metrics on the fixed training sample at epoch end (null if the sample is 0)
 * @param test        metrics on the held-out split at epoch end
 * @param examples    training examples processed in the epoch
 * @param wallSeconds wall time of the epoch's training (evaluation excluded)
 * @param distributed the distributed engine's figures, null for the local engine
 */
public record EpochRecord(int epoch, double trainLoss, EvaluationResult train, EvaluationResult test,
                          long examples, double wallSeconds, Distributed distributed) {

    /**
     * What a distributed epoch adds to metrics.json.
     *
     * @param workers        workers that trained the epoch
     * @param syncSeconds    per worker: seconds spent waiting on parameter-server rounds
     * @param computeSeconds per worker: seconds of minibatch training
     * @param attempts       per worker: the task attempt that reported the epoch (above 0: relaunched)
     * @param rounds         per worker: averaging rounds that attempt took part in during the epoch
     * @param roundLagSeconds per worker: how late its contributions to the epoch's rounds completed,
     *                       in seconds after each round's first contribution, summed (0 for a worker
     *                       that was always first). Every worker of a synchronous round waits for the
     *                       slowest, so their sync times look alike; this names the worker the rounds
     *                       waited for. Null when not measured (only the driver's own parameter
     *                       server measures it)
     */
    public record Distributed(int workers, double[] syncSeconds, double[] computeSeconds, int[] attempts,
                              int[] rounds, double[] roundLagSeconds) {
    }

    /** A local-engine record. */
    public EpochRecord(int epoch, double trainLoss, EvaluationResult train, EvaluationResult test, long examples,
                       double wallSeconds) {
        this(epoch, trainLoss, train, test, examples, wallSeconds, null);
    }

    public double examplesPerSecond() {
        return wallSeconds > 0 ? examples / wallSeconds : Double.NaN;
    }

    /** The metrics.json entry (classification: accuracy; regression: mse/mae/r2). */
    public Map<String, Object> toJson() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("epoch", epoch);
        out.put("train_loss", trainLoss);
        if (test.isClassification()) {
            out.put("train_accuracy", train == null ? null : train.accuracy());
            out.put("test_loss", test.loss());
            out.put("test_accuracy", test.accuracy());
        } else {
            out.put("test_loss", test.loss());
            out.put("test_mse", test.regression().mse());
            out.put("test_mae", test.regression().mae());
            out.put("test_r2", test.regression().r2());
        }
        out.put("examples", examples);
        out.put("wall_seconds", wallSeconds);
        out.put("examples_per_second", examplesPerSecond());
        if (distributed != null) {
            out.put("workers", distributed.workers());
            double maxSync = 0;
            for (double v : distributed.syncSeconds()) {
                maxSync = Math.max(maxSync, v);
            }
            out.put("sync_seconds", maxSync);
            out.put("sync_seconds_per_worker", distributed.syncSeconds());
            if (distributed.roundLagSeconds() != null) {
                out.put("round_lag_seconds_per_worker", distributed.roundLagSeconds());
            }
            out.put("compute_seconds_per_worker", distributed.computeSeconds());
            out.put("attempt_per_worker", distributed.attempts());
            out.put("rounds_per_worker", distributed.rounds());
        }
        return out;
    }
}
