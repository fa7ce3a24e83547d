package io.averon.driver.run;

import io.averon.core.data.DataSources;
import io.averon.core.data.DataSpec;
import io.averon.core.io.Location;
import io.averon.core.model.ModelSpec;
import io.averon.core.model.UpdaterSpec;
import io.averon.core.train.EpochRecord;
import io.averon.core.train.Evaluator;
import io.averon.core.train.TrainingConfig;
import io.averon.driver.data.TrainingInput;
import io.averon.driver.training.SparkEngine;
import io.averon.driver.training.SparkTrainingConfig;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The run lifecycle through the public API, the same for both engines: early stopping keeps the
 * best epoch, and a run continued from its checkpoint ends where an uninterrupted one does.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class TrainerLifecycleTest {

    private static SparkSession spark;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startSpark() {
        spark = SparkSession.builder().config(new SparkConf().setMaster("local[2]").setAppName("averon-lifecycle")
                .set("spark.ui.enabled", "false")).getOrCreate();
    }

    @AfterAll
    static void stopSpark() {
        spark.stop();
    }

    private static final ModelSource LOGISTIC = ModelSource.of(ModelSpec.parse("logistic"), UpdaterSpec.adam(0.05));

    @Test
    void shouldStopEarlyAndKeepTheBestEpochOnBothEngines() throws IOException {
        TrainingInput input = TrainingInput.of(DataSpec.builder(blobs(tmp.resolve("blobs.csv"), 400)).build());
        TrainingConfig training = TrainingConfig.builder().epochs(30).batchSize(32).seed(3).earlyStoppingPatience(2)
                .build();
        Trainer local = new LocalEngine(training);
        Trainer onSpark = new SparkEngine(spark, SparkTrainingConfig.builder(training).workers(2).build());

        for (Trainer trainer : List.of(local, onSpark)) {
            RunOutput out = RunOutput.builder(Location.of(tmp.resolve(trainer.engine()))).build();
            Trained trained = trainer.fit(input, LOGISTIC, out);

            List<EpochRecord> epochs = trained.training().epochs();
            assertTrue(trained.training().stoppedEarly() && epochs.size() < 30,
                    trainer.engine() + ": stopped before epoch 30, after " + epochs.size());
            int best = trained.training().bestEpoch();
            assertEquals(epochs.size() - 2, best, trainer.engine() + ": two epochs without a better one after the best");
            double bestAccuracy = epochs.stream().mapToDouble(e -> e.test().accuracy()).max().orElseThrow();
            assertEquals(bestAccuracy, epochs.get(best - 1).test().accuracy(), trainer.engine());
            double kept = Evaluator.evaluate(trained.model(), DataSources.loadForTraining(
                    DataSpec.builder(tmp.resolve("blobs.csv").toString()).build(), 3).test()).accuracy();
            assertEquals(bestAccuracy, kept, 1e-9, trainer.engine() + ": the model holds the best epoch's parameters");
            String metrics = Files.readString(tmp.resolve(trainer.engine()).resolve("metrics.json"));
            assertTrue(metrics.contains("\"stopped_early\" : true") && metrics.contains("\"best_epoch\" : " + best),
                    metrics);
        }
    }

    @Test
    void shouldEndAResumedLocalRunWhereAnUninterruptedOneEnds() throws IOException {
        TrainingInput input = TrainingInput.of(DataSpec.builder(blobs(tmp.resolve("blobs.csv"), 300)).build());
        Trained whole = new LocalEngine(config(4)).fit(input, LOGISTIC);

        RunOutput first = RunOutput.builder(Location.of(tmp.resolve("run"))).build();
        new LocalEngine(config(2)).fit(input, LOGISTIC, first);
        RunOutput again = RunOutput.builder(Location.of(tmp.resolve("run"))).resume(true).build();
        Trained resumed = new LocalEngine(config(4)).fit(input, again.resumeOr(LOGISTIC), again);

        assertEquals(List.of(3, 4), resumed.training().epochs().stream().map(EpochRecord::epoch).toList());
        assertArrayEquals(whole.model().params().toFloatVector(), resumed.model().params().toFloatVector(),
                "epochs 3-4 after the checkpoint of epoch 2 train as in one run of 4 epochs");
    }

    private static TrainingConfig config(int epochs) {
        return TrainingConfig.builder().epochs(epochs).batchSize(32).seed(5).build();
    }

    /** Three well-separated classes in two features. */
    private static String blobs(Path file, int rows) throws IOException {
        Random random = new Random(7);
        StringBuilder csv = new StringBuilder("a,b,label\n");
        for (int i = 0; i < rows; i++) {
            int label = random.nextInt(3);
            csv.append(String.format(Locale.ROOT, "%.4f,%.4f,c%d%n", random.nextGaussian() * 0.6 + label * 2,
                    random.nextGaussian() * 0.6 - label, label));
        }
        Files.writeString(file, csv, StandardCharsets.UTF_8);
        return file.toString();
    }
}
