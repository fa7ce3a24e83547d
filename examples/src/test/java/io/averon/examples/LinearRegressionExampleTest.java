package io.averon.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs the lesson small on Spark ({@code local[2]}) and checks its promise. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class LinearRegressionExampleTest {

    @Test
    void shouldRecoverWeightAndBiasWithinToleranceWhenTrainedOnSpark(@TempDir Path out) {
        Outcome outcome = Examples.run(Examples.byName("linear-regression"), ExampleContext.Size.SMALL, out,
                "local[2]", 42, null);

        assertTrue(Math.abs(outcome.get("w") - 0.1) < 0.01, "w: " + outcome.format());
        assertTrue(Math.abs(outcome.get("b") - 0.3) < 0.01, "b: " + outcome.format());
        assertTrue(outcome.get("w_error") < 0.01 && outcome.get("b_error") < 0.01, outcome.format());
        assertTrue(Files.isRegularFile(out.resolve("report.html")), "report.html written");
    }
}
