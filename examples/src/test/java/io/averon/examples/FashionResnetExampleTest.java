package io.averon.examples;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs the ResNet lesson small on Spark ({@code local[2]}): the graph path, end to end, with augmentation. */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class FashionResnetExampleTest {

    @Test
    void shouldTrainTheResidualGraphWithAugmentationWhenRunOnSpark(@TempDir Path out) throws Exception {
        Outcome outcome = Examples.run(Examples.byName("fashion-resnet"), ExampleContext.Size.SMALL, out, "local[2]", 42,
                null);

        assertEquals(1, outcome.get("graph"), "a ComputationGraph was trained");
        assertTrue(outcome.get("test_accuracy") > 0.5, outcome.format()); // 2,000 images, 2 epochs; chance is 0.1
        String report = Files.readString(out.resolve("report.html"));
        assertTrue(report.contains("crop:2,flip"), "the report records the augmentation");
    }

    /**
     * Every convolution after the stem reads rectified values, as the drawing says (conv, BN, ReLU):
     * non-negative, some of them zero. DL4J's batch normalisation would silently skip a ReLU
     * given as its own activation, leaving normalised values of either sign.
     */
    @Test
    void shouldFeedEveryConvolutionAfterTheStemRectifiedValues() {
        ComputationGraph graph = FashionResnetExample.network(10, 42, 2);
        Nd4j.getRandom().setSeed(7);
        Map<String, INDArray> activations = graph.feedForward(Nd4j.rand(DataType.FLOAT, 16, 784), true);
        Map<String, List<String>> inputs = graph.getConfiguration().getVertexInputs();
        List<String> convolutions = inputs.keySet().stream()
                .filter(name -> name.contains("_conv") && !name.startsWith("stem")).sorted().toList();

        assertEquals(6, convolutions.size(), "three blocks of two 3x3 convolutions: " + convolutions);
        for (String convolution : convolutions) {
            String source = inputs.get(convolution).get(0);
            INDArray input = activations.get(source);
            double zeros = input.eq(0).castTo(DataType.FLOAT).meanNumber().doubleValue();
            assertTrue(input.minNumber().doubleValue() >= 0, convolution + " reads " + source + ", which has negative values");
            assertTrue(zeros > 0.02 && zeros < 0.9, convolution + " reads " + source + ", of which " + zeros + " are zero");
        }
    }
}
