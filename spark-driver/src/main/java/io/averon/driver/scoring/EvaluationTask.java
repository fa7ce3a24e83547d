package io.averon.driver.scoring;

import io.averon.driver.spark.ExecutorRuntime;
import io.averon.driver.training.ShardPlan;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.averon.core.AveronException;
import io.averon.core.data.ArrayDataSet;
import io.averon.core.data.DataSources;
import io.averon.core.data.DataSpec;
import io.averon.core.data.Normalizer;
import io.averon.core.data.SplitSpec;
import io.averon.core.model.AveronModel;
import io.averon.core.runtime.NativeSettings;
import io.averon.core.train.Evaluator;
import org.apache.spark.api.java.function.Function2;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * One partition of a distributed evaluation: reads the held-out split as the model saw it,
 * evaluates its contiguous range with the model (rebuilt from its configuration and parameters)
 * and returns the raw, mergeable metrics as JSON.
 */
final class EvaluationTask implements Function2<Integer, Iterator<Integer>, Iterator<String>> {

    private static final long serialVersionUID = 1L;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final AveronModel.Kind kind;
    private final String configJson;
    private final float[] params;
    private final DataSpec data;
    private final ArrayList<String> classNames;
    private final int[] inputShape;
    private final Normalizer normalizer;
    private final SplitSpec split;
    private final int partitions;
    private final boolean convolutional;

    EvaluationTask(AveronModel.Kind kind, String configJson, float[] params, DataSpec data, List<String> classNames,
                   int[] inputShape, Normalizer normalizer, SplitSpec split, int partitions, boolean convolutional) {
        this.kind = kind;
        this.configJson = configJson;
        this.params = params;
        this.data = data;
        this.classNames = new ArrayList<>(classNames);
        this.inputShape = inputShape;
        this.normalizer = normalizer;
        this.split = split;
        this.partitions = partitions;
        this.convolutional = convolutional;
    }

    @Override
    public Iterator<String> call(Integer partition, Iterator<Integer> ignored) throws Exception {
        ExecutorRuntime.configure(new NativeSettings(1, convolutional));
        ArrayDataSet test = DataSources.loadForEvaluation(data, classNames, inputShape, normalizer, split);
        int[] indices = ShardPlan.slice(test.size(), partition, partitions);
        AveronModel model = AveronModel.fromConfiguration(kind, configJson);
        if (model.numParams() != params.length) {
            throw new AveronException("model configuration has " + model.numParams() + " parameters, got "
                    + params.length);
        }
        model.setParams(Nd4j.createFromArray(params).reshape(model.params().shape()));
        String state = JSON.writeValueAsString(Evaluator.evaluate(model, test, indices, Evaluator.DEFAULT_BATCH_SIZE)
                .state());
        return List.of(state).iterator();
    }
}
