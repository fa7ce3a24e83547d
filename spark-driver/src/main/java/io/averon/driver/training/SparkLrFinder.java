package io.averon.driver.training;

import io.averon.driver.data.SparkData;
import io.averon.core.InvalidInputException;
import io.averon.core.data.DataSpec;
import io.averon.core.data.TrainTestData;
import io.averon.core.model.AveronModel;
import io.averon.core.model.ModelSpec;
import io.averon.core.train.LrCurve;
import io.averon.core.train.LrFinder;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The learning-rate range test ({@link LrFinder}) on Spark: one job of {@code workers} tasks, each
 * running the whole test on its own contiguous shard of the training split, which it reads in the
 * executor ({@link LrFindTask}). Every task starts from the same initial weights (shipped as the
 * configuration JSON and a float vector) and steps through the same rates at the same minibatch
 * size; the driver averages the raw losses step by step, up to the shortest curve, and smooths and
 * reads the averaged curve as one ({@link LrCurve#average}). No parameter server is involved.
 *
 * <pre>{@code
 * SparkLrFinder.Result result = new SparkLrFinder(sc, config, 4).find(dataSpec, data, model);
 * double rate = result.curve().suggestedRate();
 * }</pre>
 */
public final class SparkLrFinder {

    private static final Logger LOG = LoggerFactory.getLogger(SparkLrFinder.class);

    /** The averaged curve, each worker's own curve (in worker order), and how many workers ran. */
    public record Result(LrCurve curve, List<LrCurve> workerCurves, int workers) {
    }

    private final JavaSparkContext sc;
    private final LrFinder.Config config;
    private final int workers;

    /**
     * @param workers tasks, one shard each; 0 = every task slot the cluster offers now, capped by the
     *                training examples
     */
    public SparkLrFinder(JavaSparkContext sc, LrFinder.Config config, int workers) {
        if (workers < 0) {
            throw new InvalidInputException("--workers must be >= 0, got " + workers);
        }
        this.sc = sc;
        this.config = config;
        this.workers = workers;
    }

    /**
     * Runs the test for {@code model} (built and checked against {@code data} by the caller, which
     * this does not change) on the data of {@code spec}, which every executor reads itself.
     *
     * @param data the driver's view of the data (sizes, for the shard plan and the executors' check)
     */
    public Result find(DataSpec spec, TrainTestData data, AveronModel model) {
        int trainSize = data.train().size();
        ShardPlan shards = plan(trainSize, data.test().size());
        JavaRDD<Integer> input = sc.parallelize(IntStream.range(0, shards.workers()).boxed().toList(), shards.workers());
        return run(new FileShards(spec), input, shards, model, spec.source());
    }

    /**
     * Runs the test for {@code model} on data already in Spark (for example a Parquet data set from
     * {@code averon import}): validated in one job first, then every example routed to its worker's
     * partition, as {@link SparkTrainer#fit(SparkData, AveronModel)} does.
     */
    public Result find(SparkData data, AveronModel model) {
        return find(data, RecordSharding.validate(sc, data), model);
    }

    /** As {@link #find(SparkData, AveronModel)}, for data already validated. */
    Result find(SparkData data, RecordSharding.Summary summary, AveronModel model) {
        RecordSharding.checkFits(data, summary, model, "tested");
        ShardPlan shards = plan(summary.trainSize(), summary.testSize());
        JavaRDD<IndexedExample> input = RecordSharding.shard(data, summary, shards);
        try {
            return run(new RecordShards(data.classNames(), summary.shape(), "the input"), input, shards, model,
                    "the input");
        } finally {
            input.unpersist(false);
        }
    }

    private ShardPlan plan(int trainSize, int testSize) {
        int n = workers > 0 ? workers : Math.min(Math.max(1, SparkTrainer.taskSlots(sc)), Math.max(1, trainSize));
        return new ShardPlan(trainSize, testSize, n, config.batchSize(), 0, 0);
    }

    /** One task per worker, each sweeping its shard; the curves averaged step by step. */
    private <T> Result run(ShardSource<T> source, JavaRDD<T> input, ShardPlan shards, AveronModel model, String what) {
        int n = shards.workers();
        LrFindTask<T> task = new LrFindTask<>(source, shards, config, model.kind(), model.configurationJson(),
                model.params().toFloatVector(), ModelSpec.hasConvolutionLayers(model.configurationJson()));
        LOG.info("learning-rate range test on Spark from {}: {} workers, {} steps from {} to {}, minibatch {}",
                what, n, config.steps(), config.startLr(), config.endLr(), config.batchSize());
        sc.setJobGroup("averon-lr-find", "averon lr-find: " + config.steps() + " steps on " + n + " workers ("
                + what + ")", true);
        List<double[]> losses;
        try {
            losses = input.mapPartitionsWithIndex(task, false).collect();
        } finally {
            sc.clearJobGroup();
        }
        double[] rates = config.rates();
        List<LrCurve> curves = new ArrayList<>();
        for (double[] worker : losses) {
            curves.add(LrCurve.of(rates, worker, worker.length < config.steps() ? LrCurve.Stop.DIVERGED
                    : LrCurve.Stop.COMPLETED));
        }
        return new Result(LrCurve.average(curves), curves, n);
    }
}
