package io.averon.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

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
}
