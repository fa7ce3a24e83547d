package io.averon.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
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
 * its own JVM, every executor its own JVM, the parameter server in the driver, over UDP.
 */
@Timeout(value = 20, unit = TimeUnit.MINUTES)
class StandaloneClusterIT {

    private static final long MIB = 1024L * 1024;

    @TempDir
    static Path tmp;
    static LocalCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        assertTrue(Files.isRegularFile(LocalCluster.JAR), "the shaded jar is built: " + LocalCluster.JAR);
        cluster = LocalCluster.start(tmp.resolve("cluster"), 2, 1, "1536m");
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void shouldTrainFashionMnistOnTwoExecutorJvmsSyncingWithTheDriversParameterServer() throws Exception {
        Path out = tmp.resolve("mlp");
        LocalCluster.Run run = cluster.submit(List.of("--conf", "spark.executor.cores=1", "--conf", "spark.cores.max=2",
                        "--conf", "spark.executor.memory=1g", "--driver-memory", "2g",
                        "--conf", "spark.scheduler.maxRegisteredResourcesWaitingTime=180s",
                        // options as Spark configuration, as a cluster user would give them
                        "--conf", "spark.averon.model=mlp", "--conf", "spark.averon.epochs=2"),
                List.of("train", "--data", "fashion-mnist", "--workers", "2", "--seed", "7", "--out", out.toString(),
                        "--no-progress"), 900);
        assertEquals(0, run.exitCode(), run.output());

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
        assertTrue(Files.size(out.resolve("model.zip")) > 100_000, "the model was written");

        // two executor JVMs, one per worker, each trained one shard and logged its native memory limits
        List<Path> logs = cluster.executorLogs().stream().filter(p -> {
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
}
