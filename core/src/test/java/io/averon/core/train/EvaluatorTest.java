package io.averon.core.train;

import io.averon.core.data.ArrayDataSet;
import io.averon.core.data.Labels;
import io.averon.core.model.AveronModel;
import io.averon.core.model.ModelFactory;
import io.averon.core.model.ModelSpec;
import io.averon.core.model.UpdaterSpec;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EvaluatorTest {

    /** A logistic model whose class scores are its inputs: W = identity, b = 0, so the argmax input wins. */
    private static AveronModel argmaxModel() {
        AveronModel model = ModelFactory.create(ModelSpec.parse("logistic"), new int[] {3}, 3, UpdaterSpec.adam(0.01), 1);
        float[] params = {1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0};
        model.setParams(Nd4j.create(params, new long[] {1, 12}, 'c'));
        return model;
    }

    /** Seven examples; the largest feature is the predicted class, the label agrees for examples 0-4 only. */
    private static final ArrayDataSet DATA = new ArrayDataSet("seven", new int[] {3}, new float[] {
            5, 0, 0,   0, 5, 0,   0, 0, 5,   4, 1, 0,   0, 1, 6,   5, 0, 0,   0, 6, 0},
            new Labels.Classes(new int[] {0, 1, 2, 0, 2, 1, 2}, List.of("a", "b", "c")));

    @Test
    void shouldCountCorrectArgmaxPredictionsWhenEvaluatingAClassifier() {
        EvaluationResult result = Evaluator.evaluate(argmaxModel(), DATA);

        assertTrue(result.isClassification());
        assertEquals(7, result.count());
        assertEquals(5.0 / 7, result.accuracy(), 1e-12);
        assertEquals(1, result.classification().confusionMatrix()[1][0], "example 5: true b, predicted a");
        assertTrue(result.loss() > 0);
    }

    @Test
    void shouldGiveTheSameMetricsWhateverTheBatchSize() {
        EvaluationResult whole = Evaluator.evaluate(argmaxModel(), DATA);
        EvaluationResult small = Evaluator.evaluate(argmaxModel(), DATA, null, 2);

        assertEquals(whole.accuracy(), small.accuracy());
        assertEquals(whole.loss(), small.loss(), 1e-9);
        assertEquals(whole.count(), small.count());
    }

    @Test
    void shouldEvaluateOnlyTheGivenExamplesWhenIndicesAreGiven() {
        EvaluationResult result = Evaluator.evaluate(argmaxModel(), DATA, new int[] {6, 0, 5}, 2);

        assertEquals(3, result.count());
        assertEquals(1.0 / 3, result.accuracy(), 1e-12);
    }

    @Test
    void shouldReportRegressionMetricsWhenLabelsAreTargets() {
        AveronModel model = ModelFactory.create(ModelSpec.parse("linear"), new int[] {1}, 1, UpdaterSpec.adam(0.01), 1);
        model.setParams(Nd4j.create(new float[] {2, 1}, new long[] {1, 2}, 'c')); // y = 2x + 1
        ArrayDataSet data = new ArrayDataSet("line", new int[] {1}, new float[] {0, 1, 2, 3},
                new Labels.Targets(new float[] {1, 3, 5, 8}));

        EvaluationResult result = Evaluator.evaluate(model, data, null, 3);

        assertEquals(4, result.count());
        assertEquals(0.25, result.regression().mse(), 1e-6, "one error of 1 in four");
        assertEquals(0.25, result.regression().mae(), 1e-6);
        assertTrue(Double.isNaN(result.accuracy()));
    }
}
