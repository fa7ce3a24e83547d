package io.averon.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs the transfer-learning lesson small on Spark ({@code local[2]}) and checks its promise. */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class TransferLearningExampleTest {

    @Test
    void shouldBeatTrainingFromScratchWhenFineTuningFrozenFeaturesOnLittleData(@TempDir Path out) {
        Outcome outcome = Examples.run(Examples.byName("transfer-learning"), ExampleContext.Size.SMALL, out, "local[2]",
                42, null);

        assertEquals(4, outcome.get("frozen_layers"), "the two convolutions and two poolings are frozen");
        assertTrue(outcome.get("pretrained_accuracy") > 0.8, outcome.format());
        assertTrue(outcome.get("transfer_accuracy") > outcome.get("scratch_accuracy") + 0.02, outcome.format());
        assertTrue(Files.isRegularFile(out.resolve("report.html")));
    }
}
