package io.averon.examples;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs the Keras tutorial lesson small on Spark ({@code local[2]}) and checks its promise. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class FashionMlpExampleTest {

    @Test
    void shouldLearnFashionMnistWhenTheTutorialModelTrainsOnSpark(@TempDir Path out) {
        Outcome outcome = Examples.run(Examples.byName("fashion-mlp"), ExampleContext.Size.SMALL, out, "local[2]", 42,
                null);

        assertTrue(outcome.get("test_accuracy") > 0.78, outcome.format()); // 4,000 images, 4 epochs; full size: >= 0.87
        assertEquals(2, outcome.get("workers"));
        assertTrue(Files.isRegularFile(out.resolve("report.html")));
    }

    @Test
    void shouldEmitLogitsAndPredictProbabilitiesWhenBuiltAsInTheTutorial() {
        MultiLayerNetwork net = FashionMlpExample.model(28, 28, 10, 1);
        INDArray images = Nd4j.rand(DataType.FLOAT, 3, 784);

        INDArray logits = net.output(images, false);
        INDArray probabilities = io.averon.core.model.AveronModel.of(net).output(images);

        assertTrue(logits.minNumber().doubleValue() < 0, "the last layer emits logits (negative values), not probabilities");
        assertArrayEquals(new float[] {1, 1, 1}, probabilities.sum(1).toFloatVector(), 1e-5f);
        INDArray exp = org.nd4j.linalg.ops.transforms.Transforms.exp(logits, true);
        assertArrayEquals(exp.divColumnVector(exp.sum(1)).toFloatMatrix()[0], probabilities.toFloatMatrix()[0], 1e-5f,
                "prediction = softmax(logits)");
        assertEquals(logits.argMax(1), probabilities.argMax(1), "the softmax keeps the ranking");
    }
}
