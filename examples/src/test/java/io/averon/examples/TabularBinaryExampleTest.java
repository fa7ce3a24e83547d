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
class TabularBinaryExampleTest {

    @Test
    void shouldBeatTheMajorityBaselineByAMarginWhenTrainedFromTheCsv(@TempDir Path out) {
        Outcome outcome = Examples.run(Examples.byName("tabular-binary"), ExampleContext.Size.SMALL, out,
                "local[2]", 42, null);

        double accuracy = outcome.get("test_accuracy");
        double baseline = outcome.get("baseline_accuracy");
        assertTrue(baseline > 0.5 && baseline < 0.8, "the baseline is the majority share: " + outcome.format());
        assertTrue(accuracy > baseline + 0.08, "accuracy beats the baseline by 8 points: " + outcome.format());
        assertTrue(Files.isRegularFile(out.resolve("admissions.csv")), "the CSV the executors read");
        assertTrue(Files.isRegularFile(out.resolve("report.html")), "report.html written");
    }
}
