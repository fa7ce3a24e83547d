package io.averon.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shaded jar under spark-submit on a real standalone cluster: a master and two workers, each
 * its own JVM, every executor its own JVM, the parameter server in the driver, over UDP. Spark's
 * RPC is authenticated (one shared {@code spark.authenticate.secret}) and encrypted, as the job
 * secret travels inside Spark tasks.
 */
@Timeout(value = 30, unit = TimeUnit.MINUTES)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StandaloneClusterIT {

    /** What the driver warns when Spark's RPC would carry the job secret unprotected. */
    private static final String EXPOSED_SECRET_WARNING = "travels to the executors inside Spark tasks";
    /**
     * Two executors of one core and 1 GB each; options as Spark configuration, as a cluster user would
     * give them; Spark's authentication and encryption from a properties file readable by the driver only.
     */
    private static List<String> SPARK_ARGS;
    private static final List<String> JOB_ARGS = List.of("--conf", "spark.executor.cores=1", "--conf",
            "spark.cores.max=2", "--conf", "spark.executor.memory=1g", "--driver-memory", "2g",
            "--conf", "spark.scheduler.maxRegisteredResourcesWaitingTime=180s",
            "--conf", "spark.averon.model=mlp", "--conf", "spark.averon.epochs=2");
    /** Test accuracy of the undisturbed run, the yardstick of the fault tests. */
    private static Double undisturbedAccuracy;

    private static final long MIB = 1024L * 1024;

    @TempDir
    static Path tmp;
    static LocalCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        assertTrue(Files.isRegularFile(LocalCluster.JAR), "the shaded jar is built: " + LocalCluster.JAR);
        Path sparkSecret = LocalCluster.secretFile(tmp.resolve("spark-auth.secret"));
        SPARK_ARGS = new java.util.ArrayList<>(List.of("--properties-file",
                LocalCluster.authProperties(sparkSecret, tmp.resolve("spark-auth.properties")).toString()));
        SPARK_ARGS.addAll(JOB_ARGS);
        cluster = LocalCluster.start(tmp.resolve("cluster"), 2, 1, "1536m", sparkSecret);
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static List<String> train(Path out, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("train", "--data", "fashion-mnist", "--workers", "2",
                "--seed", "7", "--out", out.toString(), "--no-progress"));
        args.addAll(List.of(more));
        return args;
    }

    private static JsonNode epochs(Path out) throws java.io.IOException {
        return new ObjectMapper().readTree(out.resolve("metrics.json").toFile()).path("epochs");
    }

    @Test
    @Order(1)
    void shouldTrainFashionMnistOnTwoExecutorJvmsSyncingWithTheDriversParameterServer() throws Exception {
        Path out = tmp.resolve("mlp");
        LocalCluster.Run run = cluster.submit(SPARK_ARGS, train(out), 900);
        assertEquals(0, run.exitCode(), run.output());
        assertTrue(!run.output().contains(EXPOSED_SECRET_WARNING), "Spark's RPC is authenticated and encrypted: "
                + run.output());
        // authentication really is on in the master, both workers and the driver (Spark's SecurityManager says so)
        List<Path> daemons = cluster.daemonLogs();
        assertEquals(3, daemons.size(), "master and two worker logs: " + daemons);
        for (Path log : daemons) {
            assertTrue(Files.readString(log).contains("authentication enabled"), log + " has no 'authentication enabled'");
        }
        assertTrue(run.output().contains("authentication enabled"), "the driver's SecurityManager: " + run.output());

        JsonNode metrics = new ObjectMapper().readTree(out.resolve("metrics.json").toFile());
        assertEquals("mlp", metrics.path("config").path("model").asText(), "--conf spark.averon.model was used");
        JsonNode epochs = metrics.path("epochs");
        assertEquals(2, epochs.size(), "--conf spark.averon.epochs was used: " + epochs);
        for (JsonNode epoch : epochs) {
            assertEquals(2, epoch.path("workers").asInt());
            assertEquals(2, epoch.path("sync_seconds_per_worker").size());
        }
        double accuracy = epochs.get(1).path("test_accuracy").asDouble();
        assertTrue(accuracy >= 0.84, "test accuracy after 2 epochs: " + accuracy);
        undisturbedAccuracy = accuracy;
        assertTrue(Files.size(out.resolve("model.zip")) > 100_000, "the model was written");

        // two executor JVMs, one per worker, each trained one shard and logged its native memory limits
        List<Path> logs = cluster.executorLogs().stream().filter(p -> p.toString().contains(appId(run.output())))
                .filter(p -> {
            try {
                return Files.readString(p).contains("TrainingTask");
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }).toList();
        assertEquals(2, logs.size(), "executor logs with training: " + cluster.executorLogs());
        assertTrue(!logs.get(0).getParent().getParent().getParent().equals(logs.get(1).getParent().getParent().getParent()),
                "the executors ran under different workers: " + logs);
        Set<String> workers = new TreeSet<>();
        long expectedMaxBytes = 384 * MIB / 10 * 8; // 80% of the default overhead of a 1g executor
        for (Path log : logs) {
            String text = Files.readString(log);
            Matcher m = Pattern.compile("worker (\\d) \\(attempt 0\\) on").matcher(text);
            assertTrue(m.find(), log + " has no training line");
            workers.add(m.group(1));
            assertTrue(text.contains("executor native memory: {maxbytes=" + expectedMaxBytes + ", maxphysicalbytes="
                    + (1024 * MIB + 384 * MIB)), log + " does not log the derived off-heap limits");
            assertTrue(text.contains("omp_num_threads=1") && text.contains("threads=1"), log + ": one native thread");
        }
        assertEquals(Set.of("0", "1"), workers);
    }

    /** The application id spark-submit's log names ("app-2026..."). */
    private static String appId(String submitLog) {
        Matcher m = Pattern.compile("(app-\\d{14}-\\d{4})").matcher(submitLog);
        assertTrue(m.find(), "no application id in the driver log");
        return m.group(1);
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "{0} averaging")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"server", "sharded"})
    @Order(2)
    void shouldFinishWithinAPointOfTheUndisturbedRunWhenAnExecutorJvmIsKilledMidEpoch(String averaging) throws Exception {
        assertTrue(undisturbedAccuracy != null, "the undisturbed run (order 1) ran first");
        Path out = tmp.resolve("mlp-killed-executor-" + averaging);
        // sharded: the killed executor owns one of the two ranges of the round in progress
        LocalCluster.Background job = cluster.submitInBackground(SPARK_ARGS, train(out, "--averaging", averaging),
                tmp.resolve("killed-" + averaging + ".log"));
        // wait until worker 1 trains, then kill its executor JVM with SIGKILL mid-epoch
        Path victim = null;
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (victim == null && System.nanoTime() < deadline && job.process().isAlive()) {
            Thread.sleep(100);
            if (!job.output().contains("app-")) {
                continue;
            }
            String app = appId(job.output());
            for (Path log : cluster.executorLogs()) {
                if (log.toString().contains(app) && Files.readString(log).contains("worker 1 (attempt 0) on")) {
                    victim = log;
                }
            }
        }
        assertTrue(victim != null, "worker 1 never started: " + job.output());
        Thread.sleep(1000); // into its first epoch: a full epoch takes seconds even with Averon's faster steps
        // the first round (epoch 1's) is open: no epoch has closed, so metrics.json is not written yet
        assertTrue(!Files.exists(out.resolve("metrics.json")), "epoch 1's round closed before the kill");
        ProcessHandle executor = LocalCluster.executorProcess(victim);
        assertTrue(executor.destroyForcibly(), "SIGKILL sent");
        executor.onExit().get(30, TimeUnit.SECONDS);
        assertTrue(!executor.isAlive(), "the executor JVM is dead");

        LocalCluster.Run run = job.await(900);
        assertEquals(0, run.exitCode(), run.output());
        // the fault really hit training: a new executor ran worker 1 again in a relaunched stage attempt
        String app = appId(run.output());
        boolean relaunched = false;
        for (Path log : cluster.executorLogs()) {
            if (log.toString().contains(app) && !log.equals(victim)
                    && Pattern.compile("worker 1 \\(attempt [1-9]\\d*\\) on").matcher(Files.readString(log)).find()) {
                relaunched = true;
            }
        }
        assertTrue(relaunched, "no relaunched attempt of worker 1 in " + cluster.executorLogs());
        JsonNode epochs = epochs(out);
        assertEquals(2, epochs.size());
        double accuracy = epochs.get(1).path("test_accuracy").asDouble();
        assertEquals(undisturbedAccuracy, accuracy, 0.01, "final accuracy after the kill vs undisturbed");
    }

    private static LocalCluster.Background startParameterServer(int port, Path secret, Path state, Path log)
            throws Exception {
        LocalCluster.Background ps = LocalCluster.background(List.of(LocalCluster.ROOT.resolve("bin/averon").toString(),
                "ps", "--bind", "127.0.0.1:" + port, "--workers", "2", "--secret-file", secret.toString(),
                "--state-dir", state.toString(), "--job", "cluster-test"), java.util.Map.of("AVERON_NO_BUILD", "1", "AVERON_JAVA_OPTS", "-Xmx512m"), log);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!ps.output().contains("parameter server") && System.nanoTime() < deadline && ps.process().isAlive()) {
            Thread.sleep(250);
        }
        assertTrue(ps.process().isAlive() && ps.output().contains("parameter server"), "averon ps did not start: "
                + ps.output());
        return ps;
    }

    /** The parameter server's job secret, readable by its owner only (averon refuses a shared one). */
    private static Path secret() throws java.io.IOException {
        Path secret = tmp.resolve("job.secret");
        return Files.exists(secret) ? secret : LocalCluster.secretFile(secret);
    }

    @Test
    @Order(3)
    void shouldTrainWithTheParameterServerAsItsOwnProcess() throws Exception {
        int port = LocalCluster.freePort();
        Path state = tmp.resolve("ps-state");
        LocalCluster.Background ps = startParameterServer(port, secret(), state, tmp.resolve("ps.log"));
        try {
            Path out = tmp.resolve("mlp-external-ps");
            LocalCluster.Run run = cluster.submit(SPARK_ARGS, train(out, "--ps", "127.0.0.1:" + port, "--secret-file",
                    secret().toString(), "--job", "cluster-test"), 900);
            assertEquals(0, run.exitCode(), run.output());
            JsonNode epochs = epochs(out);
            assertEquals(2, epochs.size());
            assertTrue(epochs.get(1).path("test_accuracy").asDouble() >= 0.84, epochs.toString());
            assertTrue(Files.size(state.resolve("state.bin")) > 0, "the server saved its rounds");
        } finally {
            ps.process().destroy();
            ps.process().waitFor(30, TimeUnit.SECONDS);
        }
        assertTrue(ps.output().contains("parameter server stopped"), ps.output());
    }

    @Test
    @Order(4)
    void shouldFailFastWhenTheParameterServerIsKilledAndFinishWithResumeAfterItRestarts() throws Exception {
        int port = LocalCluster.freePort();
        Path state = tmp.resolve("ps-state-killed");
        Path out = tmp.resolve("mlp-killed-ps");
        List<String> args = List.of("--ps", "127.0.0.1:" + port, "--secret-file", secret().toString(), "--job",
                "cluster-test", "--epochs", "3");
        LocalCluster.Background ps = startParameterServer(port, secret(), state, tmp.resolve("ps-killed.log"));
        LocalCluster.Background job = cluster.submitInBackground(SPARK_ARGS, train(out, args.toArray(String[]::new)),
                tmp.resolve("ps-killed-job.log"));
        try {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            while (!Files.exists(out.resolve("checkpoints/epoch-0001.zip")) && System.nanoTime() < deadline
                    && job.process().isAlive()) {
                Thread.sleep(250);
            }
            assertTrue(Files.exists(out.resolve("checkpoints/epoch-0001.zip")), "epoch 1 done: " + job.output());
            ps.process().destroyForcibly(); // SIGKILL: bin/averon execs the server's JVM
            assertTrue(ps.process().waitFor(30, TimeUnit.SECONDS), "the server is dead");
            long killed = System.nanoTime();

            LocalCluster.Run failed = job.await(300);
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - killed);
            assertTrue(failed.exitCode() != 0, failed.output());
            assertTrue(failed.output().contains("averon: the parameter server 127.0.0.1:" + port + " is unreachable from "
                    + "executor"), failed.output());
            assertTrue(seconds < 90, "the job failed " + seconds + " s after the server died");
        } finally {
            job.kill();
        }

        LocalCluster.Background restarted = startParameterServer(port, secret(), state, tmp.resolve("ps-restarted.log"));
        try {
            LocalCluster.Run resumed = cluster.submit(SPARK_ARGS, train(out, java.util.stream.Stream.concat(
                    args.stream(), java.util.stream.Stream.of("--resume")).toArray(String[]::new)), 900);
            assertEquals(0, resumed.exitCode(), resumed.output());
            JsonNode epochs = epochs(out);
            assertEquals(3, epochs.size(), "epochs 1 from the first run, 2-3 resumed: " + epochs);
            assertTrue(epochs.get(2).path("test_accuracy").asDouble() >= 0.84, epochs.toString());
        } finally {
            restarted.process().destroy();
            restarted.process().waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    @Order(5)
    void shouldFailWithinSecondsNamingHostAndPortWhenNoParameterServerAnswers() throws Exception {
        int port = LocalCluster.freePort();
        long start = System.nanoTime();
        LocalCluster.Run run = cluster.submit(SPARK_ARGS, train(tmp.resolve("no-ps"), "--ps", "127.0.0.1:" + port,
                "--secret-file", secret().toString(), "--job", "cluster-test"), 600);
        assertEquals(1, run.exitCode(), run.output());
        assertTrue(run.output().contains("averon: executor ") && run.output().contains(": parameter server 127.0.0.1:"
                + port + " is unreachable from 127.0.0.1 (no answer of job cluster-test on UDP port " + (port + 1)
                + " within 10000 ms: does it serve this job, with the same secret?); check "
                + "that it runs and that UDP ports " + port + "-" + (port + 1) + " are open"), run.output());
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
        assertTrue(seconds < 120, "spark-submit to failure took " + seconds + " s (JVMs and executors start included)");
        assertTrue(!Files.exists(tmp.resolve("no-ps").resolve("checkpoints/epoch-0001.zip")), "nothing trained");
    }
}
