package io.averon.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs the CNN lesson small on Spark ({@code local[2]}) and checks its promise. */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class FashionCnnExampleTest {

    @Test
    void shouldClassifyFashionMnistWhenTheCnnTrainsOnSpark(@TempDir Path out) {
        Outcome outcome = Examples.run(Examples.byName("fashion-cnn"), ExampleContext.Size.SMALL, out, "local[2]", 42,
                null);

        assertTrue(outcome.get("test_accuracy") > 0.78, outcome.format()); // 4,000 images, 3 epochs; full size: >= 0.90
        assertTrue(Files.isRegularFile(out.resolve("report.html")));
    }
}
