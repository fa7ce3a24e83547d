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
class SequenceLstmExampleTest {

    @Test
    void shouldBeatPersistenceOnTheLaterPartWhenValidatedByTime(@TempDir Path out) {
        Outcome outcome = Examples.run(Examples.byName("sequence-lstm"), ExampleContext.Size.SMALL, out,
                "local[2]", 42, null);

        assertTrue(outcome.get("train_last_index") < outcome.get("validation_first_index"),
                "no validation window reads a step a training window read: " + outcome.format());
        assertTrue(outcome.get("validation_windows") > 0 && outcome.get("train_windows") > 0, outcome.format());
        assertTrue(outcome.get("test_mse") < outcome.get("persistence_mse"),
                "the LSTM beats next = last: " + outcome.format());
        assertTrue(Files.isRegularFile(out.resolve("report.html")), "report.html written");
    }

    @Test
    void shouldKeepEveryWindowInsideItsPartWhenTheSeriesIsSplitByTime() {
        float[] series = SequenceLstmExample.series(200, 7);
        SequenceLstmExample.Windows train = SequenceLstmExample.windows("train", series, 0, 160, 1f);
        SequenceLstmExample.Windows validation = SequenceLstmExample.windows("validation", series, 160, 200, 1f);

        assertTrue(train.firstIndex() == 0 && train.lastIndex() == 159, "train reads 0-159: " + train.lastIndex());
        assertTrue(validation.firstIndex() == 160 && validation.lastIndex() == 199, "validation reads 160-199");
        assertTrue(validation.data().size() == 40 - SequenceLstmExample.STEPS, "one window per target after the cut");
    }
}
