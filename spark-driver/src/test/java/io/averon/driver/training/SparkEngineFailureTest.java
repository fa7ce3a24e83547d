package io.averon.driver.training;

import com.fasterxml.jackson.databind.JsonNode;
import io.averon.core.model.Optimizer;
import io.averon.core.train.EpochRecord;
import io.averon.core.train.TrainingConfig;
import io.averon.driver.data.TrainingInput;
import io.averon.driver.run.ModelSource;
import io.averon.driver.run.RunOutput;
import io.averon.driver.run.Trained;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static io.averon.driver.testing.TrainingFixtures.blobCsv;
import static io.averon.driver.testing.TrainingFixtures.metrics;
import static io.averon.driver.training.SparkEngineTest.failure;
import static io.averon.driver.training.SparkEngineTest.input;
import static io.averon.driver.training.SparkEngineTest.model;
import static io.averon.driver.training.SparkEngineTest.output;
import static io.averon.driver.training.SparkEngineTest.params;
import static io.averon.driver.training.SparkEngineTest.refusal;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Spark engine through its API when a task fails: a stage relaunched after a failure resumes
 * from the last completed round, a worker that fails every attempt fails the run naming it, and a
 * failed run resumes from its newest valid checkpoint. Every run has a Spark session of its own:
 * the failure is injected by a property of the SparkContext's configuration ({@link FailureHook}),
 * which is fixed when the context starts, and a JVM has one context at a time.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class SparkEngineFailureTest {

    @TempDir
    Path tmp;

    /** Runs {@code body} on a Spark session of its own with the failure hook {@code failAt} (null: none). */
    private static <T> T onSpark(String failAt, Function<SparkSession, T> body) {
        SparkSession spark = SparkEngineTest.session(failAt);
        try {
            return body.apply(spark);
        } finally {
            spark.stop();
        }
    }

    @ParameterizedTest(name = "{0} averaging")
    @EnumSource(AveragingMode.class)
    void shouldRelaunchTheStageAndMatchTheUndisturbedRunWhenATaskFailsOnce(AveragingMode averaging) {
        TrainingInput input = input(blobCsv(tmp.resolve("blobs.csv"), 1200));
        SparkTrainingConfig config = SparkTrainingConfig.builder(TrainingConfig.builder().epochs(3).batchSize(16)
                .build()).workers(2).deterministic(true).syncEvery(10).averaging(averaging).build();
        Trained calm = onSpark(null, spark -> new SparkEngine(spark, config).fit(input, model("mlp", 3)));
        // worker 1 fails before minibatch 25 of epoch 2: in round 3 of the epoch, while worker 0 trains or waits for it
        Trained disturbed = onSpark("1:2:25", spark -> new SparkEngine(spark, config).fit(input, model("mlp", 3)));
        List<EpochRecord> stormy = disturbed.training().epochs();
        assertEquals(3, stormy.size());
        assertEquals("[0, 0]", Arrays.toString(stormy.get(0).distributed().attempts()), "epoch 1: no failure");
        assertTrue(stormy.get(1).distributed().attempts()[1] > 0, "epoch 2 was finished by a relaunched attempt: "
                + Arrays.toString(stormy.get(1).distributed().attempts()));
        // 6 rounds per epoch (60 minibatches of 8 per worker, a round every 10); the relaunch resumed after round 2
        // of epoch 2, the last every worker completed, so epoch 2's figures count rounds 3-6 (a restart from the
        // epoch's or the run's beginning would count all six). Spark kills the first attempt asynchronously: when
        // worker 0's old attempt had pushed round 3, the relaunched worker 1's push may close round 3 with it, and
        // the relaunched worker 0 then resumes after round 3 (the same values: the run is deterministic)
        long full = stormy.get(0).examples();
        long resumed = stormy.get(1).examples();
        assertTrue(resumed == full * 4 / 6 || resumed == full * 4 / 6 - full / 12,
                "resumed after the last completed round: epoch 2 counts " + resumed + " of " + full + " examples");
        assertEquals(calm.training().finalMetrics().accuracy(), disturbed.training().finalMetrics().accuracy(), 0.01,
                "within a point of the undisturbed run");
        // resumed from the last averaged round (2 rounds into epoch 2): deterministic, so exactly the same model
        assertArrayEquals(params(calm), params(disturbed));
    }

    @Test
    void shouldFailNamingTheWorkerWhenItFailsEveryAttempt() {
        TrainingInput input = input(blobCsv(tmp.resolve("blobs.csv"), 600));
        Path run = tmp.resolve("run");
        SparkTrainingConfig config = SparkTrainingConfig.builder(TrainingConfig.builder().epochs(2).batchSize(16)
                .build()).workers(2).build();
        long started = System.nanoTime();
        String message = onSpark("1:1:3:always", spark -> failure(() -> new SparkEngine(spark, config)
                .fit(input, model("logistic", 2), output(run, false))));
        assertTrue(message.startsWith("training failed:"), message);
        assertTrue(message.contains("worker 1 fails at epoch 1, minibatch 3"), message);
        assertTrue(System.nanoTime() - started < TimeUnit.MINUTES.toNanos(3), "fails within the timeouts");
        assertFalse(Files.exists(run.resolve("model.zip")));
    }

    @Test
    void shouldResumeFromTheNewestValidCheckpointWhenTheNewestIsCorrupt() throws IOException {
        TrainingInput input = input(blobCsv(tmp.resolve("blobs.csv"), 600));
        Path run = tmp.resolve("run");
        SparkTrainingConfig config = SparkTrainingConfig.builder(TrainingConfig.builder().epochs(4).build())
                .workers(2).build();
        ModelSource logistic = model("logistic", Optimizer.ADAM, 0.05, 4);
        onSpark("0:4:2:always", spark -> failure(() -> new SparkEngine(spark, config)
                .fit(input, logistic, output(run, false))));
        Path checkpoints = run.resolve("checkpoints");
        assertTrue(Files.exists(checkpoints.resolve("epoch-0003.zip")));
        assertTrue(Files.exists(checkpoints.resolve("epoch-0002.zip")));
        assertFalse(Files.exists(checkpoints.resolve("epoch-0001.zip")), "only the newest 2 are kept");
        assertEquals(3, metrics(run).get("epochs").size());
        byte[] newest = Files.readAllBytes(checkpoints.resolve("epoch-0003.zip"));
        Files.write(checkpoints.resolve("epoch-0003.zip"), Arrays.copyOf(newest, newest.length / 2));

        String nothing = onSpark(null, spark -> {
            SparkEngine engine = new SparkEngine(spark, config);
            RunOutput again = output(run, true);
            engine.fit(input, again.resumeOr(logistic), again);
            RunOutput fresh = output(tmp.resolve("fresh"), true);
            return refusal(() -> engine.fit(input, fresh.resumeOr(logistic), fresh));
        });
        JsonNode m = metrics(run);
        assertEquals(4, m.get("epochs").size(), "epochs 1-2 carried over, 3-4 trained again");
        assertEquals(List.of(1, 2, 3, 4), List.of(m.get("epochs").get(0).get("epoch").asInt(),
                m.get("epochs").get(1).get("epoch").asInt(), m.get("epochs").get(2).get("epoch").asInt(),
                m.get("epochs").get(3).get("epoch").asInt()));
        assertTrue(m.get("final").get("test_accuracy").asDouble() > 0.8);
        assertTrue(Files.exists(run.resolve("model.zip")));
        try (var left = Files.walk(tmp)) {
            assertEquals(List.of(), left.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith(".") || n.endsWith(".crc")).toList(), "no temporary or Hadoop .crc files");
        }
        assertTrue(nothing.contains("no checkpoint"), nothing);
    }
}
