package io.averon.driver.run;

import io.averon.core.train.LrCurve;
import io.averon.driver.data.InputFacts;

import java.util.List;

/**
 * What a learning-rate range test ({@link Trainer#findLearningRate}) found.
 *
 * @param curve        the curve to read the suggestion from: on Spark, the workers' curves averaged
 *                     step by step ({@link LrCurve#average})
 * @param workerCurves each Spark task's own curve, in worker order, when {@code curve} is their
 *                     average; empty when the test ran in one JVM
 * @param facts        the data the test ran on (sizes, classes, shape, split, provenance)
 */
public record LrFindResult(LrCurve curve, List<LrCurve> workerCurves, InputFacts facts) {

    public LrFindResult {
        workerCurves = List.copyOf(workerCurves);
    }
}
