package io.averon.driver.training;

import io.averon.driver.spark.ExecutorRuntime;
import io.averon.core.AveronException;
import io.averon.core.model.AveronModel;
import io.averon.core.runtime.NativeSettings;
import io.averon.core.train.LrCurve;
import io.averon.core.train.LrFinder;
import io.averon.core.train.Shuffling;
import org.apache.spark.api.java.function.Function2;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Iterator;
import java.util.List;

/**
 * One worker of a distributed learning-rate range test: reads its shard of the training split in
 * the executor (from files, or from the records Spark routed to its partition), rebuilds the model from its configuration and initial parameters, runs the whole
 * test on the shard (own minibatch order: {@link Shuffling#workerSeed}) and returns the losses of
 * the steps it took. Worker 0 orders its minibatches as the local engine does.
 */
final class LrFindTask<T> implements Function2<Integer, Iterator<T>, Iterator<double[]>> {

    private static final long serialVersionUID = 1L;

    private final ShardSource<T> source;
    private final ShardPlan shards;
    private final LrFinder.Config config;
    private final AveronModel.Kind kind;
    private final String configJson;
    private final float[] params;
    private final boolean convolutional;

    LrFindTask(ShardSource<T> source, ShardPlan shards, LrFinder.Config config, AveronModel.Kind kind,
               String configJson, float[] params, boolean convolutional) {
        this.source = source;
        this.shards = shards;
        this.config = config;
        this.kind = kind;
        this.configJson = configJson;
        this.params = params;
        this.convolutional = convolutional;
    }

    @Override
    public Iterator<double[]> call(Integer worker, Iterator<T> partition) {
        ExecutorRuntime.configure(new NativeSettings(1, convolutional));
        ShardSource.Shard shard = source.load(partition, worker, shards, config.seed());
        AveronModel model = AveronModel.fromConfiguration(kind, configJson);
        if (model.numParams() != params.length) {
            throw new AveronException("model configuration has " + model.numParams() + " parameters, got "
                    + params.length);
        }
        model.setParams(Nd4j.createFromArray(params).reshape(model.params().shape()));
        LrCurve curve = new LrFinder(config.withSeed(Shuffling.workerSeed(config.seed(), worker)))
                .runInPlace(model, shard.train());
        return List.of(curve.losses()).iterator();
    }
}
