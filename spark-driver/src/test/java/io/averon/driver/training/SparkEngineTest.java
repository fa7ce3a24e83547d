package io.averon.driver.training;

import com.fasterxml.jackson.databind.JsonNode;
import io.averon.core.AveronException;
import io.averon.core.InvalidInputException;
import io.averon.core.data.DataSpec;
import io.averon.core.data.SplitSpec;
import io.averon.core.io.Location;
import io.averon.core.model.ModelPreset;
import io.averon.core.model.ModelSpec;
import io.averon.core.model.Optimizer;
import io.averon.core.model.UpdaterSpec;
import io.averon.core.runtime.NativeRuntime;
import io.averon.core.runtime.NativeSettings;
import io.averon.core.train.EpochRecord;
import io.averon.core.train.TrainingConfig;
import io.averon.driver.data.TrainingInput;
import io.averon.driver.run.LocalEngine;
import io.averon.driver.run.ModelSource;
import io.averon.driver.run.RunOutput;
import io.averon.driver.run.Trained;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static io.averon.driver.testing.TrainingFixtures.blobCsv;
import static io.averon.driver.testing.TrainingFixtures.blobRows;
import static io.averon.driver.testing.TrainingFixtures.metrics;
import static io.averon.driver.testing.TrainingFixtures.writeCsv;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Spark engine through its API, on one Spark {@code local[2]} session with the driver's
 * parameter server: equivalence with the local engine, cheaper rounds, the warm-up cadence,
 * determinism, and the refusals before training. A task failing, and resuming after a failure, need
 * a session of their own ({@link SparkEngineFailureTest}); what the CLI adds (its options, error
 * lines and exit codes) is tested in {@code io.averon.driver.cli.SparkEngineTest}.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class SparkEngineTest {

    private static SparkSession spark;
    /** The final test accuracy of the plain-averaging run the cheaper rounds are compared with (trained once). */
    private static double plainAccuracy = Double.NaN;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startSpark() {
        spark = session(null);
    }

    @AfterAll
    static void stopSpark() {
        spark.stop();
    }

    /**
     * A Spark {@code local[2]} session (two task slots), as {@code averon train --master local[2]}
     * starts it: the driver's ND4J on one thread, as are the local engine's runs (--threads 1). With
     * {@code failAt}, the test failure hook {@code WORKER:EPOCH:BATCH[:always]} ({@link FailureHook}),
     * which the context reads from its configuration: fixed when it starts. Close it when done.
     */
    static SparkSession session(String failAt) {
        NativeRuntime.configure(new NativeSettings(1, false));
        SparkConf conf = new SparkConf().setMaster("local[2]").setAppName("averon-spark-engine-test")
                .set("spark.ui.enabled", "false");
        if (failAt != null) {
            conf.set(FailureHook.CONF_KEY, failAt);
        }
        SparkSession session = SparkSession.builder().config(conf).getOrCreate();
        if (!Objects.equals(failAt, session.sparkContext().getConf().get(FailureHook.CONF_KEY, null))) {
            session.stop();
            throw new IllegalStateException("another Spark session was active: its failure hook is not " + failAt);
        }
        return session;
    }

    /** The data of {@code --data FILE --split time}: the last 20% held out, in the file's order. */
    static TrainingInput input(Path csv) {
        return input(csv, DataSpec.VALIDATION_SPLIT.defaultValue());
    }

    static TrainingInput input(Path csv, double validationSplit) {
        return TrainingInput.of(DataSpec.builder(csv.toString()).splitKind(SplitSpec.Kind.TIME_ORDERED)
                .validationSplit(validationSplit).build());
    }

    /**
     * A preset trained with {@code optimizer} at {@code rate} on the preset's schedule for it, as
     * {@code averon train --model PRESET --optimizer O --lr RATE --epochs EPOCHS} builds it.
     */
    static ModelSource model(String preset, Optimizer optimizer, double rate, int epochs) {
        ModelSpec spec = ModelSpec.parse(preset);
        return ModelSource.of(spec, new UpdaterSpec(optimizer, rate, spec.preset().defaultSchedule(optimizer),
                UpdaterSpec.LR_DECAY.defaultValue(), UpdaterSpec.LR_STEP.defaultValue(), epochs));
    }

    /** A preset with its default optimiser and rate ({@code averon train --model PRESET --epochs EPOCHS}). */
    static ModelSource model(String preset, int epochs) {
        Optimizer optimizer = UpdaterSpec.OPTIMIZER.defaultValue();
        ModelPreset built = ModelSpec.parse(preset).preset();
        return model(preset, optimizer, built.defaultLearningRate(optimizer), epochs);
    }

    /** The run's output directory ({@code --out DIR}, with {@code --resume} when {@code resume}). */
    static RunOutput output(Path dir, boolean resume) {
        return RunOutput.builder(Location.of(dir)).resume(resume).build();
    }

    /** The message of a refusal: bad input or settings (an {@link InvalidInputException}; the CLI exits 2). */
    static String refusal(Executable fit) {
        return assertThrows(InvalidInputException.class, fit).getMessage();
    }

    /** The message of a failure that is not bad input (the CLI exits 1). */
    static String failure(Executable fit) {
        AveronException failed = assertThrows(AveronException.class, fit);
        for (Throwable cause = failed; cause != null; cause = cause.getCause()) {
            assertFalse(cause instanceof InvalidInputException, "a failure, not bad input: " + cause);
        }
        return failed.getMessage();
    }

    static float[] params(Trained trained) {
        return trained.model().params().toFloatVector();
    }

    private Path csv(String name, int rows) {
        return blobCsv(tmp.resolve(name), rows);
    }

    @Test
    void shouldEqualLocalTrainingBitForBitWhenOneWorkerTrains() {
        TrainingInput input = input(csv("blobs.csv", 1000));
        TrainingConfig training = TrainingConfig.builder().epochs(3).batchSize(32).build();
        Map<String, Trained> runs = new LinkedHashMap<>();
        runs.put("spark", new SparkEngine(spark, SparkTrainingConfig.builder(training).workers(1).build())
                .fit(input, model("mlp", 3)));
        runs.put("local", new LocalEngine(training).fit(input, model("mlp", 3)));
        assertArrayEquals(params(runs.get("local")), params(runs.get("spark")),
                "one worker syncing once per epoch is the local engine (Adam state included)");
        runs.forEach((engine, run) -> {
            // DL4J's counts in the model's configuration (saved in model.zip): 3 epochs of 800 / 32 = 25 minibatches
            MultiLayerConfiguration saved = MultiLayerConfiguration.fromJson(run.model().configurationJson());
            assertEquals(3, saved.getEpochCount(), engine + ": epochs completed");
            assertEquals(75, saved.getIterationCount(), engine + ": minibatch steps");
        });
    }

    @Test
    void shouldEqualLocalTrainingOnTheCombinedBatchWhenTwoSgdWorkersSyncEveryMinibatch() throws IOException {
        // 800 training rows (the first 80%), a global minibatch of 16 = 2 workers x 8 rows, no
        // shuffling: worker w trains on rows [400w, 400w + 400). Local training on 16-row minibatches
        // sees both workers' t-th minibatches together when its rows are interleaved in blocks of 8.
        List<String> rows = blobRows(1000);
        List<String> interleaved = new ArrayList<>();
        for (int t = 0; t < 50; t++) {
            interleaved.addAll(rows.subList(8 * t, 8 * t + 8));
            interleaved.addAll(rows.subList(400 + 8 * t, 400 + 8 * t + 8));
        }
        interleaved.addAll(rows.subList(800, 1000));
        Path sharded = writeCsv(tmp.resolve("sharded.csv"), rows);
        Path combined = writeCsv(tmp.resolve("combined.csv"), interleaved);
        TrainingConfig sgd = TrainingConfig.builder().epochs(2).batchSize(16).shuffle(false).build();
        ModelSource logistic = model("logistic", Optimizer.SGD, 0.1, 2);
        Trained onSpark = new SparkEngine(spark, SparkTrainingConfig.builder(sgd).workers(2).syncEvery(1).build())
                .fit(input(sharded), logistic);
        Trained local = new LocalEngine(sgd).fit(input(combined), logistic);
        float[] expected = params(local);
        float[] actual = params(onSpark);
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-5, "parameter " + i);
        }
        EpochRecord epoch = onSpark.training().epochs().get(1);
        assertEquals(2, epoch.distributed().workers());
        assertEquals(800, epoch.examples());
        assertTrue(Arrays.stream(epoch.distributed().syncSeconds()).max().orElse(0) > 0,
                "100 rounds per epoch take time");
    }

    /**
     * How late each worker's contributions completed, per epoch, as the driver's parameter server
     * measured them: with flat rounds both workers contribute, and in each epoch's one round one of
     * them came first.
     */
    @Test
    void shouldRecordEachWorkersRoundLagPerEpochInMetricsJsonWhenTheDriversServerAverages() throws IOException {
        SparkTrainingConfig config = SparkTrainingConfig.builder(TrainingConfig.builder().epochs(2).batchSize(32)
                .build()).workers(2).hierarchical(false).build();
        new SparkEngine(spark, config).fit(input(csv("blobs.csv", 400)), model("logistic", 2),
                output(tmp.resolve("run"), false));

        for (JsonNode epoch : metrics(tmp.resolve("run")).get("epochs")) {
            JsonNode lag = epoch.get("round_lag_seconds_per_worker");
            assertEquals(2, lag.size(), epoch.toString());
            assertEquals(0.0, Math.min(lag.get(0).asDouble(), lag.get(1).asDouble()), "the first contribution of the "
                    + "epoch's round was not late: " + lag);
            assertTrue(lag.get(0).asDouble() >= 0 && lag.get(1).asDouble() >= 0, lag::toString);
        }
    }

    /** Cheaper rounds, each named by the {@code averon train} options that ask for it. */
    static Stream<Arguments> cheaperRounds() {
        return Stream.of(
                cheaper("--compress bf16 --updater-sync-every 0",
                        b -> b.compression(Compression.BF16).updaterSyncEvery(0)),
                cheaper("--compress int8 --updater-sync-every 3",
                        b -> b.compression(Compression.INT8).updaterSyncEvery(3)),
                cheaper("--overlap", b -> b.overlap(true)),
                cheaper("--updater-sync-every 0", b -> b.updaterSyncEvery(0)),
                cheaper("--averaging sharded --compress int8 --updater-sync-every 0 --overlap",
                        b -> b.averaging(AveragingMode.SHARDED).compression(Compression.INT8).updaterSyncEvery(0)
                                .overlap(true)));
    }

    private static Arguments cheaper(String options, UnaryOperator<SparkTrainingConfig.Builder> settings) {
        return Arguments.of(options, settings);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cheaperRounds")
    void shouldLearnAsWellAsPlainAveragingWhenRoundsAreCheaper(String options,
                                                              UnaryOperator<SparkTrainingConfig.Builder> cheaper)
            throws IOException {
        TrainingInput input = input(csv("blobs.csv", 1200));
        TrainingConfig training = TrainingConfig.builder().epochs(3).batchSize(16).seed(3).build();
        if (Double.isNaN(plainAccuracy)) {
            plainAccuracy = new SparkEngine(spark, SparkTrainingConfig.builder(training).workers(2).syncEvery(5).build())
                    .fit(input, model("mlp", 3)).training().finalMetrics().accuracy();
        }
        Trained trained = new SparkEngine(spark, cheaper.apply(SparkTrainingConfig.builder(training).workers(2)
                .syncEvery(5)).build()).fit(input, model("mlp", 3), output(tmp.resolve("cheaper"), false));
        JsonNode config = metrics(tmp.resolve("cheaper")).get("config");
        assertEquals(options.contains("int8") ? "int8" : options.contains("bf16") ? "bf16" : "none",
                config.path("compress").asText(), config.toString());
        assertEquals(plainAccuracy, trained.training().finalMetrics().accuracy(), 0.03,
                options + " learns the blobs as well as plain averaging");
    }

    /**
     * Post-local SGD's start, counted twice: by the parameter server (an external one, in-process
     * so the test can read its counters) and by the workers (metrics.json's rounds_per_worker). 800
     * training rows, 2 workers x 400 at 8 per minibatch: 50 minibatches per epoch each; a round after
     * every one in epoch 1, every 10 in epochs 2 and 3.
     */
    @Test
    void shouldAverageAfterEveryMinibatchInTheWarmupEpochsAndEveryKAfterWhenGivenSyncWarmupEpochs() throws Exception {
        TrainingInput input = input(csv("blobs.csv", 1000));
        byte[] secret = "warmup-test-secret-0123456789abcdefghij".getBytes(StandardCharsets.US_ASCII);
        int port = io.averon.ps.transport.Ports.freeUdpPortPair();
        io.averon.ps.ServerContext context = io.averon.ps.ServerContext.builder().bind("127.0.0.1", port)
                .job("warmup", secret).registerOnFirstJoin(1_000_000)
                .rounds(io.averon.ps.round.RoundSettings.builder().expectedWorkers(2).build())
                .mtu(io.averon.ps.transport.Ports.DEFAULT_MTU_BYTES, io.averon.ps.transport.Ports.DEFAULT_TERM_LENGTH)
                .build();
        SparkTrainingConfig config = SparkTrainingConfig.builder(TrainingConfig.builder().epochs(3).batchSize(16)
                .build()).workers(2).syncWarmupEpochs(1).syncEvery(10).parameterServer("127.0.0.1:" + port).build();
        long roundsClosed;
        try (io.averon.ps.ParameterServer server = io.averon.ps.ParameterServer.start(context)) {
            new SparkEngine(spark, config, new JobIdentity("warmup", secret))
                    .fit(input, model("logistic", 3), output(tmp.resolve("run"), false));
            roundsClosed = server.counters().roundsClosed();
        }
        assertEquals(50 + 5 + 5, roundsClosed, "the server closed a round after every minibatch of epoch 1, "
                + "then one every 10 minibatches");
        JsonNode metrics = metrics(tmp.resolve("run"));
        List<String> rounds = new ArrayList<>();
        metrics.get("epochs").forEach(e -> rounds.add(e.get("rounds_per_worker").toString()));
        assertEquals(List.of("[50,50]", "[5,5]", "[5,5]"), rounds, "rounds each worker took part in, per epoch");
        JsonNode recorded = metrics.get("config");
        assertEquals(1, recorded.get("sync_warmup_epochs").asInt());
        assertEquals(10, recorded.get("sync_every").asInt());
        assertFalse(recorded.get("many_workers_default").asBoolean());
        assertFalse(recorded.has("outer_lr"), "the external server applies its own outer optimizer: " + recorded);
        assertFalse(metrics.get("epochs").get(0).has("round_lag_seconds_per_worker"), "only the driver's own server "
                + "is asked how late each worker was");
    }

    /**
     * An external server whose MTU is not the job's: every worker's join fails with the MTU to set.
     * Relaunching the stage cannot mend that, so training stops at the first such task failure,
     * before Spark relaunches the stage (up to 4 attempts, seconds each).
     */
    @Test
    void shouldStopAtTheFirstFailedTaskWhenTheServersMtuIsNotTheJobs() throws Exception {
        TrainingInput input = input(csv("blobs.csv", 300));
        byte[] secret = "mtu-mismatch-secret-0123456789abcdefghij".getBytes(StandardCharsets.US_ASCII);
        int port = io.averon.ps.transport.Ports.freeUdpPortPair();
        io.averon.ps.ServerContext context = io.averon.ps.ServerContext.builder().bind("127.0.0.1", port)
                .job("mtu", secret).registerOnFirstJoin(1_000_000)
                .rounds(io.averon.ps.round.RoundSettings.builder().expectedWorkers(2).build())
                .mtu(8192, io.averon.ps.transport.Ports.DEFAULT_TERM_LENGTH).build();
        SparkTrainingConfig config = SparkTrainingConfig.builder(TrainingConfig.builder().epochs(2).build())
                .workers(2).parameterServer("127.0.0.1:" + port).mtuBytes(4096).build();
        List<Integer> stageAttempts = java.util.Collections.synchronizedList(new ArrayList<>());
        org.apache.spark.scheduler.SparkListener attempts = new org.apache.spark.scheduler.SparkListener() {
            @Override
            public void onStageSubmitted(org.apache.spark.scheduler.SparkListenerStageSubmitted submitted) {
                if (submitted.stageInfo().name().contains("SparkTrainer.java")) { // the barrier stage's call site
                    stageAttempts.add(submitted.stageInfo().attemptNumber());
                }
            }
        };
        spark.sparkContext().addSparkListener(attempts);
        String message;
        try (io.averon.ps.ParameterServer server = io.averon.ps.ParameterServer.start(context)) {
            message = failure(() -> new SparkEngine(spark, config, new JobIdentity("mtu", secret))
                    .fit(input, model("logistic", 2), output(tmp.resolve("run"), false)));
            assertEquals(0, server.counters().roundsClosed(), "no worker joined");
        } finally {
            spark.sparkContext().removeSparkListener(attempts);
        }
        assertTrue(message.contains("--mtu") && message.contains("training stopped"), message);
        assertFalse(stageAttempts.isEmpty(), "the training stage ran");
        assertTrue(stageAttempts.size() < 4, "stopped before Spark relaunched the stage up to 4 times: attempts "
                + stageAttempts);
    }

    @ParameterizedTest(name = "warm-up of {0} epochs")
    @CsvSource(delimiter = '|', value = {
            "4 | --sync-warmup-epochs must be at most --epochs (3), got 4",
            "-1 | --sync-warmup-epochs must be >= 0, got -1"})
    void shouldRefuseABadSyncWarmupBeforeTraining(int warmupEpochs, String message) {
        SparkTrainingConfig.Builder config = SparkTrainingConfig.builder(TrainingConfig.builder().epochs(3).build())
                .syncWarmupEpochs(warmupEpochs);
        assertEquals(message, refusal(config::build));
    }

    @Test
    void shouldRefuseCompressionWhenEveryRoundCarriesTheOptimisersState() {
        Path run = tmp.resolve("run");
        SparkTrainingConfig config = SparkTrainingConfig.builder(TrainingConfig.builder().build()).workers(2)
                .compression(Compression.INT8).build();
        String message = refusal(() -> new SparkEngine(spark, config).fit(input(csv("blobs.csv", 300)),
                model("mlp", TrainingConfig.EPOCHS.defaultValue()), output(run, false)));
        assertTrue(message.contains("add --updater-sync-every 0"), message);
        assertFalse(Files.exists(run), "nothing written");
    }

    @Test
    void shouldGiveBitIdenticalParametersWhenRunTwiceDeterministically() {
        TrainingInput input = input(csv("blobs.csv", 1200));
        SparkTrainingConfig config = SparkTrainingConfig.builder(TrainingConfig.builder().epochs(2).batchSize(16)
                .seed(7).build()).workers(2).deterministic(true).syncEvery(10).build();
        Trained first = new SparkEngine(spark, config).fit(input, model("mlp", 2));
        Trained second = new SparkEngine(spark, config).fit(input, model("mlp", 2));
        assertArrayEquals(params(first), params(second));
    }

    @Test
    void shouldRefuseBeforeTrainingWhenThereAreFewerExamplesThanWorkers() {
        Path run = tmp.resolve("run");
        SparkTrainingConfig config = SparkTrainingConfig.builder(TrainingConfig.builder().build()).workers(2).build();
        String message = refusal(() -> new SparkEngine(spark, config).fit(input(csv("tiny.csv", 3), 0.6),
                model("logistic", TrainingConfig.EPOCHS.defaultValue()), output(run, false)));
        assertTrue(message.contains("only 1 training examples for 2 workers"), message);
        assertFalse(Files.exists(run), "refused before anything was written");
    }

    @Test
    void shouldRefuseBeforeTrainingWhenMoreWorkersThanTaskSlots() {
        Path run = tmp.resolve("run");
        SparkTrainingConfig config = SparkTrainingConfig.builder(TrainingConfig.builder().build()).workers(3).build();
        String message = refusal(() -> new SparkEngine(spark, config).fit(input(csv("blobs.csv", 200)),
                model("logistic", TrainingConfig.EPOCHS.defaultValue()), output(run, false)));
        assertTrue(message.contains("needs 3 task slots") && message.contains("has 2"), message);
        assertFalse(Files.exists(run.resolve("metrics.json")));
    }
}
