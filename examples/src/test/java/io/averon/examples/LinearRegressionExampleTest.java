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

    @Test
    void shouldContinueFromItsCheckpointWhenResumedWithMoreEpochs(@TempDir Path out) throws java.io.IOException {
        Examples.run(Examples.byName("linear-regression"), ExampleContext.Size.SMALL, out, "local[2]", 42, 2);
        Path run = out.resolve("runs").resolve("linear");
        assertTrue(Files.isRegularFile(run.resolve("checkpoints").resolve("epoch-0002.zip")),
                "the first attempt checkpointed its last epoch");

        java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
        java.io.PrintStream stdout = System.out;
        System.setOut(new java.io.PrintStream(printed, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            Examples.run(Examples.byName("linear-regression"), ExampleContext.Size.SMALL, out, "local[2]", 42, 4, true);
        } finally {
            System.setOut(stdout);
        }

        String lines = printed.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(!lines.contains("linear epoch 1:") && !lines.contains("linear epoch 2:")
                && lines.contains("linear epoch 3:") && lines.contains("linear epoch 4:"),
                "the resumed run trains epochs 3 and 4 only:\n" + lines);
        com.fasterxml.jackson.databind.JsonNode metrics = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(run.resolve("metrics.json").toFile());
        org.junit.jupiter.api.Assertions.assertEquals(4, metrics.get("epochs").size(),
                "metrics.json has the first attempt's epochs and the resumed ones");
        assertTrue(Files.isRegularFile(run.resolve("model.zip")), "the resumed run completed");
    }
}
