package io.averon.driver.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.averon.core.artifact.ModelArtifact;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The spark engine through the CLI on Spark {@code local[2]} with the driver's parameter server:
 * equivalence with local training, determinism, and a resumed run after a failure.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class SparkEngineTest {

    static final int FEATURES = 6;
    static final int CLASSES = 3;

    @TempDir
    Path tmp;

    /** Rows of three Gaussian blobs; with {@code blockOrder} the first 80% are re-ordered (see below). */
    static List<String> blobRows(int rows) {
        Random random = new Random(11);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            int label = random.nextInt(CLASSES);
            StringBuilder line = new StringBuilder();
            for (int f = 0; f < FEATURES; f++) {
                line.append(String.format(Locale.ROOT, "%.5f,", random.nextGaussian() + (f % CLASSES == label ? 1.5 : 0)));
            }
            out.add(line.append("c").append(label).toString());
        }
        return out;
    }

    static Path writeCsv(Path file, List<String> rows) throws IOException {
        StringBuilder text = new StringBuilder();
        for (int f = 0; f < FEATURES; f++) {
            text.append("f").append(f).append(',');
        }
        text.append("label\n");
        rows.forEach(r -> text.append(r).append('\n'));
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return file;
    }

    static CliRun train(Path data, Path out, String... extra) {
        return train(data.toString(), out, extra);
    }

    static CliRun train(String data, Path out, String... extra) {
        return train(data, out.toString(), extra);
    }

    /** As above with {@code --out} as a string: a local path or a URI such as {@code hdfs://...}. */
    static CliRun train(String data, String out, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--data", data, "--split", "time",
                "--out", out, "--no-progress"));
        args.addAll(List.of(extra));
        if (!args.contains("local") && !args.contains("--master")) {
            args.addAll(List.of("--master", "local[2]"));
        }
        return CliRun.of(args.toArray(String[]::new));
    }

    /**
     * Runs {@code run} with the test failure hook {@code spec} ({@code WORKER:EPOCH:BATCH[:always]}):
     * a Spark property the driver's SparkConf reads from the system properties, in no public configuration.
     */
    static CliRun failingAt(String spec, java.util.function.Supplier<CliRun> run) {
        System.setProperty("spark.averon.test.fail-at", spec);
        try {
            return run.get();
        } finally {
            System.clearProperty("spark.averon.test.fail-at");
        }
    }

    static float[] params(Path run) {
        return ModelArtifact.read(run.resolve("model.zip")).model().params().toFloatVector();
    }

    static JsonNode metrics(Path run) throws IOException {
        return new ObjectMapper().readTree(run.resolve("metrics.json").toFile());
    }

    @Test
    void shouldEqualLocalTrainingBitForBitWhenOneWorkerTrains() {
        Path data = writeCsvUnchecked("blobs.csv", blobRows(1000));
        CliRun spark = train(data, tmp.resolve("spark"), "--workers", "1", "--model", "mlp", "--epochs", "3",
                "--batch-size", "32");
        assertEquals(0, spark.exitCode(), spark.err());
        CliRun local = train(data, tmp.resolve("local"), "--engine", "local", "--threads", "1", "--model", "mlp",
                "--epochs", "3", "--batch-size", "32");
        assertEquals(0, local.exitCode(), local.err());
        assertArrayEquals(params(tmp.resolve("local")), params(tmp.resolve("spark")),
                "one worker syncing once per epoch is the local engine (Adam state included)");
        for (String run : List.of("local", "spark")) {
            // DL4J's counts in model.zip's configuration: 3 epochs of 800 / 32 = 25 minibatches
            org.deeplearning4j.nn.conf.MultiLayerConfiguration saved = org.deeplearning4j.nn.conf.MultiLayerConfiguration
                    .fromJson(ModelArtifact.read(tmp.resolve(run).resolve("model.zip")).model().configurationJson());
            assertEquals(3, saved.getEpochCount(), run + ": epochs completed");
            assertEquals(75, saved.getIterationCount(), run + ": minibatch steps");
        }
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
        String[] sgd = {"--model", "logistic", "--optimizer", "sgd", "--lr", "0.1", "--epochs", "2", "--no-shuffle"};
        CliRun spark = train(sharded, tmp.resolve("spark"), concat(sgd, "--workers", "2", "--sync-every", "1",
                "--batch-size", "16"));
        assertEquals(0, spark.exitCode(), spark.err());
        CliRun local = train(combined, tmp.resolve("local"), concat(sgd, "--engine", "local", "--batch-size", "16"));
        assertEquals(0, local.exitCode(), local.err());
        float[] expected = params(tmp.resolve("local"));
        float[] actual = params(tmp.resolve("spark"));
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-5, "parameter " + i);
        }
        JsonNode epoch = metrics(tmp.resolve("spark")).get("epochs").get(1);
        assertEquals(2, epoch.get("workers").asInt());
        assertEquals(800, epoch.get("examples").asInt());
        assertTrue(epoch.get("sync_seconds").asDouble() > 0, "100 rounds per epoch take time");
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.CsvSource({"--compress bf16 --updater-sync-every 0",
            "--compress int8 --updater-sync-every 3", "--overlap", "--updater-sync-every 0",
            "--averaging sharded --compress int8 --updater-sync-every 0 --overlap"})
    void shouldLearnAsWellAsPlainAveragingWhenRoundsAreCheaper(String options) throws IOException {
        Path data = writeCsvUnchecked("blobs.csv", blobRows(1200));
        String[] args = {"--workers", "2", "--model", "mlp", "--epochs", "3", "--batch-size", "16", "--sync-every", "5",
                "--seed", "3"};
        CliRun plain = train(data, tmp.resolve("plain"), args);
        assertEquals(0, plain.exitCode(), plain.err());
        CliRun cheaper = train(data, tmp.resolve("cheaper"), concat(args, options.split(" ")));
        assertEquals(0, cheaper.exitCode(), cheaper.err());
        JsonNode config = metrics(tmp.resolve("cheaper")).get("config");
        assertTrue(config.toString().contains(options.contains("int8") ? "\"compress\":\"int8\""
                : options.contains("bf16") ? "\"compress\":\"bf16\"" : "\"compress\":\"none\""), config.toString());
        double expected = metrics(tmp.resolve("plain")).get("final").get("test_accuracy").asDouble();
        double actual = metrics(tmp.resolve("cheaper")).get("final").get("test_accuracy").asDouble();
        assertEquals(expected, actual, 0.03, options + " learns the blobs as well as plain averaging");
    }

    /**
     * Post-local SGD's start, counted twice: by the parameter server (an in-process one the run
     * reaches with --ps, so the test can read its counters) and by the workers (metrics.json's
     * rounds_per_worker). 800 training rows, 2 workers x 400 at 8 per minibatch: 50 minibatches per
     * epoch each; a round after every one in epoch 1, every 10 in epochs 2 and 3.
     */
    @Test
    void shouldAverageAfterEveryMinibatchInTheWarmupEpochsAndEveryKAfterWhenGivenSyncWarmupEpochs() throws Exception {
        Path data = writeCsvUnchecked("blobs.csv", blobRows(1000));
        byte[] secret = "warmup-test-secret-0123456789abcdefghij".getBytes(StandardCharsets.US_ASCII);
        Path secretFile = Files.write(tmp.resolve("secret"), secret);
        Files.setPosixFilePermissions(secretFile, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        int port = io.averon.ps.transport.Ports.freeUdpPortPair();
        io.averon.ps.ServerContext context = io.averon.ps.ServerContext.builder().bind("127.0.0.1", port)
                .job("warmup", secret).registerOnFirstJoin(1_000_000)
                .rounds(io.averon.ps.round.RoundSettings.builder().expectedWorkers(2).build())
                .mtu(io.averon.ps.transport.Ports.DEFAULT_MTU_BYTES, io.averon.ps.transport.Ports.DEFAULT_TERM_LENGTH)
                .build();
        CliRun run;
        long roundsClosed;
        try (io.averon.ps.ParameterServer server = io.averon.ps.ParameterServer.start(context)) {
            run = train(data, tmp.resolve("run"), "--workers", "2", "--model", "logistic", "--epochs", "3",
                    "--batch-size", "16", "--sync-warmup-epochs", "1", "--sync-every", "10", "--ps", "127.0.0.1:" + port,
                    "--secret-file", secretFile.toString(), "--job", "warmup");
            roundsClosed = server.counters().roundsClosed();
        }
        assertEquals(0, run.exitCode(), run.err());
        assertEquals(50 + 5 + 5, roundsClosed, "the server closed a round after every minibatch of epoch 1, "
                + "then one every 10 minibatches");
        JsonNode metrics = metrics(tmp.resolve("run"));
        List<String> rounds = new ArrayList<>();
        metrics.get("epochs").forEach(e -> rounds.add(e.get("rounds_per_worker").toString()));
        assertEquals(List.of("[50,50]", "[5,5]", "[5,5]"), rounds, "rounds each worker took part in, per epoch");
        JsonNode config = metrics.get("config");
        assertEquals(1, config.get("sync_warmup_epochs").asInt());
        assertEquals(10, config.get("sync_every").asInt());
        assertFalse(config.get("many_workers_default").asBoolean());
        assertFalse(config.has("outer_lr"), "the external server applies its own outer optimizer: " + config);
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
            "--sync-warmup-epochs 4 | --sync-warmup-epochs must be at most --epochs (3), got 4",
            "--sync-warmup-epochs -1 | --sync-warmup-epochs must be >= 0, got -1",
            "--engine local --sync-warmup-epochs 1 | --sync-warmup-epochs needs --engine spark",
            "--engine local --sync-every 8 --outer-momentum 0.9 | --sync-every, --outer-momentum need --engine spark"})
    void shouldRefuseABadSyncWarmupBeforeTraining(String options, String message) {
        Path data = writeCsvUnchecked("blobs.csv", blobRows(300));
        CliRun run = train(data, tmp.resolve("run"), concat(new String[] {"--model", "logistic", "--epochs", "3"},
                options.split(" ")));
        assertEquals(2, run.exitCode(), run.err());
        assertEquals("averon: " + message, run.errorLine());
        assertFalse(Files.exists(tmp.resolve("run")), "nothing written");
    }

    @Test
    void shouldRefuseCompressionWhenEveryRoundCarriesTheOptimisersState() {
        Path data = writeCsvUnchecked("blobs.csv", blobRows(300));
        CliRun run = train(data, tmp.resolve("run"), "--workers", "2", "--model", "mlp", "--compress", "int8");
        assertEquals(2, run.exitCode(), run.err());
        assertTrue(run.errorLine().contains("add --updater-sync-every 0"), run.errorLine());
        assertFalse(Files.exists(tmp.resolve("run")), "nothing written");
    }

    @Test
    void shouldTrainWhenTheDriverBindsToAllInterfacesAndAdvertisesItsHost() {
        // as on Kubernetes, where Spark binds spark.driver.bindAddress and executors reach spark.driver.host:
        // the parameter server and the report receiver bind 0.0.0.0, executors send to 127.0.0.1
        System.setProperty("spark.driver.bindAddress", "0.0.0.0");
        try {
            Path data = writeCsvUnchecked("bind.csv", blobRows(400));
            CliRun run = train(data, tmp.resolve("bind-any"), "--workers", "2", "--model", "logistic", "--epochs", "1");
            assertEquals(0, run.exitCode(), run.err());
        } finally {
            System.clearProperty("spark.driver.bindAddress");
        }
    }

    @Test
    void shouldGiveBitIdenticalParametersWhenRunTwiceDeterministically() {
        Path data = writeCsvUnchecked("blobs.csv", blobRows(1200));
        String[] args = {"--workers", "2", "--model", "mlp", "--epochs", "2", "--batch-size", "16", "--seed", "7",
                "--deterministic", "--sync-every", "10"};
        CliRun first = train(data, tmp.resolve("a"), args);
        assertEquals(0, first.exitCode(), first.err());
        CliRun second = train(data, tmp.resolve("b"), args);
        assertEquals(0, second.exitCode(), second.err());
        assertArrayEquals(params(tmp.resolve("a")), params(tmp.resolve("b")));
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "{0} averaging")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"server", "sharded"})
    void shouldRelaunchTheStageAndMatchTheUndisturbedRunWhenATaskFailsOnce(String averaging) throws IOException {
        Path data = writeCsvUnchecked("blobs.csv", blobRows(1200));
        String[] args = {"--workers", "2", "--model", "mlp", "--epochs", "3", "--batch-size", "16", "--deterministic",
                "--sync-every", "10", "--averaging", averaging};
        CliRun calm = train(data, tmp.resolve("calm"), args);
        assertEquals(0, calm.exitCode(), calm.err());
        // worker 1 fails before minibatch 25 of epoch 2: in round 3 of the epoch, while worker 0 trains or waits for it
        CliRun disturbed = failingAt("1:2:25", () -> train(data, tmp.resolve("disturbed"), args));
        assertEquals(0, disturbed.exitCode(), disturbed.err());
        JsonNode stormy = metrics(tmp.resolve("disturbed"));
        assertEquals(3, stormy.get("epochs").size());
        assertEquals("[0,0]", stormy.get("epochs").get(0).get("attempt_per_worker").toString(), "epoch 1: no failure");
        assertTrue(stormy.get("epochs").get(1).get("attempt_per_worker").get(1).asInt() > 0,
                "epoch 2 was finished by a relaunched attempt: " + stormy.get("epochs").get(1));
        // 6 rounds per epoch (60 minibatches of 8 per worker, a round every 10); the relaunch resumed after round 2
        // of epoch 2, the last every worker completed, so epoch 2's figures count rounds 3-6 (a restart from the
        // epoch's or the run's beginning would count all six). Spark kills the first attempt asynchronously: when
        // worker 0's old attempt had pushed round 3, the relaunched worker 1's push may close round 3 with it, and
        // the relaunched worker 0 then resumes after round 3 (the same values: the run is deterministic)
        int full = stormy.get("epochs").get(0).get("examples").asInt();
        int resumed = stormy.get("epochs").get(1).get("examples").asInt();
        assertTrue(resumed == full * 4 / 6 || resumed == full * 4 / 6 - full / 12,
                "resumed after the last completed round: epoch 2 counts " + resumed + " of " + full + " examples");
        double calmAccuracy = metrics(tmp.resolve("calm")).get("final").get("test_accuracy").asDouble();
        double accuracy = stormy.get("final").get("test_accuracy").asDouble();
        assertEquals(calmAccuracy, accuracy, 0.01, "within a point of the undisturbed run");
        // resumed from the last averaged round (2 rounds into epoch 2): with --deterministic, exactly the same model
        assertArrayEquals(params(tmp.resolve("calm")), params(tmp.resolve("disturbed")));
    }

    @Test
    void shouldFailNamingTheWorkerWhenItFailsEveryAttempt() {
        Path data = writeCsvUnchecked("blobs.csv", blobRows(600));
        long started = System.nanoTime();
        CliRun run = failingAt("1:1:3:always", () -> train(data, tmp.resolve("run"), "--workers", "2", "--model",
                "logistic", "--epochs", "2", "--batch-size", "16"));
        assertEquals(1, run.exitCode());
        assertTrue(run.errorLine().startsWith("averon: training failed:"), run.errorLine());
        assertTrue(run.errorLine().contains("worker 1 fails at epoch 1, minibatch 3"), run.errorLine());
        assertTrue(System.nanoTime() - started < TimeUnit.MINUTES.toNanos(3), "fails within the timeouts");
        assertFalse(Files.exists(tmp.resolve("run").resolve("model.zip")));
    }

    @Test
    void shouldResumeFromTheNewestValidCheckpointWhenTheNewestIsCorrupt() throws IOException {
        Path data = writeCsvUnchecked("blobs.csv", blobRows(600));
        Path run = tmp.resolve("run");
        String[] args = {"--workers", "2", "--model", "logistic", "--epochs", "4", "--lr", "0.05"};
        CliRun failed = failingAt("0:4:2:always", () -> train(data, run, args));
        assertEquals(1, failed.exitCode());
        Path checkpoints = run.resolve("checkpoints");
        assertTrue(Files.exists(checkpoints.resolve("epoch-0003.zip")));
        assertTrue(Files.exists(checkpoints.resolve("epoch-0002.zip")));
        assertFalse(Files.exists(checkpoints.resolve("epoch-0001.zip")), "only the newest 2 are kept");
        assertEquals(3, metrics(run).get("epochs").size());
        byte[] newest = Files.readAllBytes(checkpoints.resolve("epoch-0003.zip"));
        Files.write(checkpoints.resolve("epoch-0003.zip"), java.util.Arrays.copyOf(newest, newest.length / 2));

        CliRun resumed = train(data, run, concat(args, "--resume"));
        assertEquals(0, resumed.exitCode(), resumed.err());
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

        CliRun nothing = train(data, tmp.resolve("fresh"), concat(args, "--resume"));
        assertEquals(2, nothing.exitCode());
        assertTrue(nothing.errorLine().contains("no checkpoint"), nothing.errorLine());
    }

    @Test
    void shouldRefuseBeforeTrainingWhenThereAreFewerExamplesThanWorkers() {
        Path data = writeCsvUnchecked("tiny.csv", blobRows(3));
        CliRun run = train(data, tmp.resolve("run"), "--workers", "2", "--model", "logistic", "--validation-split",
                "0.6");
        assertEquals(2, run.exitCode(), run.err());
        assertTrue(run.errorLine().contains("only 1 training examples for 2 workers"), run.errorLine());
        assertFalse(Files.exists(tmp.resolve("run")), "refused before anything was written");
    }

    @Test
    void shouldRefuseBeforeTrainingWhenMoreWorkersThanTaskSlots() {
        Path data = writeCsvUnchecked("blobs.csv", blobRows(200));
        CliRun run = train(data, tmp.resolve("run"), "--workers", "3", "--model", "logistic");
        assertEquals(2, run.exitCode(), run.err());
        assertTrue(run.errorLine().contains("needs 3 task slots") && run.errorLine().contains("has 2"), run.errorLine());
        assertFalse(Files.exists(tmp.resolve("run").resolve("metrics.json")));
    }

    private Path writeCsvUnchecked(String name, List<String> rows) {
        try {
            return writeCsv(tmp.resolve(name), rows);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String[] concat(String[] first, String... more) {
        String[] out = java.util.Arrays.copyOf(first, first.length + more.length);
        System.arraycopy(more, 0, out, first.length, more.length);
        return out;
    }
}
