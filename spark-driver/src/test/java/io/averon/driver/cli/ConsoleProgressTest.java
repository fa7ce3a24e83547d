package io.averon.driver.cli;

import io.averon.core.artifact.Manifest;
import io.averon.core.data.DataSpec;
import io.averon.core.data.Normalizer;
import io.averon.core.data.SplitSpec;
import io.averon.core.model.ModelSpec;
import io.averon.core.model.UpdaterSpec;
import io.averon.core.train.TrainingConfig;
import io.averon.driver.data.InputFacts;
import io.averon.driver.data.TrainingInput;
import io.averon.driver.run.ModelSource;
import io.averon.driver.run.RunSettings;
import io.averon.driver.run.RunStart;
import io.averon.driver.training.SparkTrainingConfig;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The configuration a run shows on the terminal: once, in words, before the epochs. */
class ConsoleProgressTest {

    private static final InputFacts FASHION = new InputFacts(List.of("a", "b", "c", "d", "e", "f", "g", "h", "i", "j"),
            new int[] {1, 28, 28}, Normalizer.none(), SplitSpec.provided(),
            new Manifest.DataProvenance("fashion-mnist", "0", 60_000, 10_000));

    @Test
    void shouldDescribeASparkRunInOneSentence() {
        TrainingConfig training = TrainingConfig.builder().build();
        SparkTrainingConfig spark = SparkTrainingConfig.builder(training).build();
        RunStart start = new RunStart(FASHION, null, 0, 42, RunSettings.of("spark",
                TrainingInput.of(DataSpec.builder("fashion-mnist").build()),
                ModelSource.of(ModelSpec.parse("mlp"), new UpdaterSpec(io.averon.core.model.Optimizer.ADAM, 0.002,
                        io.averon.core.model.LrSchedule.LINEAR, 0.5, 2, 5)), training, FASHION, spark.settings(8)));

        assertEquals("mlp (adam, learning rate 0.002, linear schedule) on fashion-mnist: 60,000 training and 10,000 "
                + "held-out examples, 10 classes; spark engine: 8 workers averaging every 8 minibatches with outer "
                + "momentum 0.9 at rate 0.7 through the driver's parameter server; 5 epochs of minibatches of 128, "
                + "seed 42", ConsoleProgress.inWords(start));
    }

    @Test
    void shouldDescribeAResumedLocalRunWithEarlyStopping() {
        TrainingConfig training = TrainingConfig.builder().epochs(10).earlyStoppingPatience(3).build();
        RunStart start = new RunStart(FASHION, null, 4, 42, RunSettings.of("local",
                TrainingInput.of(DataSpec.builder("fashion-mnist").build()),
                ModelSource.of(ModelSpec.parse("cnn"), UpdaterSpec.adam(0.001)), training, FASHION, Map.of()));

        String words = ConsoleProgress.inWords(start);
        assertEquals(true, words.startsWith("cnn (adam, learning rate 0.001, constant schedule) on fashion-mnist"), words);
        assertEquals(true, words.contains("; local engine, ") && words.endsWith("; epochs 5-10, resuming after epoch 4 "
                + "of minibatches of 128, seed 42, early stopping after 3 epochs without improvement"), words);
    }
}
