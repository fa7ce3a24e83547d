package io.averon.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs the lesson small on Spark ({@code local[2]}) on Fashion-MNIST and checks its promise. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class BaselineFirstExampleTest {

    @Test
    void shouldTrainAModelThatBeatsTheNearestMeanBaselineWhenBothSeeTheSameSplit(@TempDir Path out) throws Exception {
        Outcome outcome = Examples.run(Examples.byName("baseline-first"), ExampleContext.Size.SMALL, out,
                "local[2]", 42, null);

        double baseline = outcome.get("baseline_accuracy");
        double accuracy = outcome.get("test_accuracy");
        assertTrue(baseline > 0.5, "nearest class mean is far above chance (0.1): " + outcome.format());
        assertTrue(accuracy > baseline + 0.03, "the MLP beats the baseline: " + outcome.format());
        assertEquals(accuracy - baseline, outcome.get("gain"), 1e-9);
        assertTrue(Files.readString(out.resolve("report.html")).contains("nearest class mean"),
                "the baseline is in the report");
    }
}
