package io.averon.driver.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.averon.core.artifact.ModelArtifact;
import io.averon.driver.testing.TrainingFixtures;
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
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Issue 18, case 11: the driver JVM of {@code averon train} (spark engine, {@code local[2]}, the
 * parameter server in the driver) is killed with SIGKILL early in epoch 3 of 4 (a tenth of an epoch in), and
 * {@code train --resume} on the same {@code --out} continues from the newest checkpoint, leaving
 * every epoch in metrics.json exactly once. Both runs are JVMs of their own, as bin/averon starts
 * them, sharing one temporary directory; the killed one's Aeron directories are still on /dev/shm
 * while the resumed one runs.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class DriverRestartTest {

    private static final int EPOCHS = 4;
    /** The newest checkpoint when the driver is killed: epoch 3 is under way. */
    private static final int CHECKPOINTED = 2;
    /** An Averon media driver's control file: {@code <base>/averon-<owner>-<uuid>/cnc.dat} (base: /dev/shm). */
    private static final Pattern AERON_CNC = Pattern.compile("(/\\S+/averon-[A-Za-z0-9-]+)/cnc\\.dat");

    @TempDir
    Path tmp;

    @Test
    void shouldContinueFromTheNewestCheckpointWhenTheDriverJvmIsKilledMidEpoch() throws Exception {
        Path data = TrainingFixtures.blobCsv(tmp.resolve("blobs.csv"), 80_000); // epochs of ~4 s on 2 cores (1.5 s where steps run 3x faster)
        Path out = tmp.resolve("run");
        List<String> train = List.of("train", "--data", data.toString(), "--label-column", "label", "--model", "mlp",
                "--epochs", "" + EPOCHS, "--batch-size", "16", "--master", "local[2]", "--workers", "2", "--out",
                out.toString(), "--no-progress");
        TrainJvm killed = TrainJvm.start(tmp, "killed", train);
        List<Path> leftAeronDirectories = new ArrayList<>();
        try {
            Kill kill = killMidEpoch(killed, out, leftAeronDirectories);

            // the fault: the JVM died by SIGKILL in epoch 3, leaving epochs 1-2 and its Aeron directories
            assertTrue(killed.process().waitFor(30, TimeUnit.SECONDS), "the killed JVM is gone");
            assertEquals(128 + 9, killed.process().exitValue(), "died by SIGKILL");
            assertEquals(List.of(1, 2), epochNumbers(out), "metrics.json at the kill");
            assertEquals(List.of("epoch-0001.zip", "epoch-0002.zip"), checkpointNames(out), "epoch 3 never ended");
            assertFalse(Files.exists(out.resolve("model.zip")), "an unfinished run has no model.zip");
            assertTrue(!leftAeronDirectories.isEmpty() && leftAeronDirectories.stream().allMatch(Files::isDirectory),
                    "the killed driver's Aeron directories are left behind (nothing deletes them after SIGKILL): "
                            + leftAeronDirectories);

            TrainJvm resumed = TrainJvm.start(tmp, "resumed", concat(train, "--resume"));
            long resumedAt = System.nanoTime();
            resumed.awaitFile(checkpoint(out, CHECKPOINTED + 1), 120);
            long firstEpochAt = System.nanoTime();
            int exitCode = resumed.awaitExit(120);
            long endedAt = System.nanoTime();

            assertEquals(0, exitCode, "resumed run: " + resumed.output());
            assertEquals(List.of(1, 2, 3, 4), epochNumbers(out), "metrics.json: every epoch once, in order");
            assertEquals(EPOCHS, TrainingFixtures.metrics(out).path("summary").path("epochs_run").asInt());
            String console = resumed.stdout();
            assertTrue(console.lines().findFirst().orElse("").contains("epochs 3-4, resuming after epoch 2"), console);
            assertEquals(List.of("epoch 3/4", "epoch 4/4"), console.lines().filter(l -> l.startsWith("epoch "))
                    .map(l -> l.substring(0, l.indexOf("  "))).toList(), "the resumed run trained epochs 3 and 4 only");
            String log = Files.readString(out.resolve(CommandLog.FILE_NAME), StandardCharsets.UTF_8);
            assertTrue(log.contains("epoch-0002.zip (after epoch 2)"), "the log of the resumed attempt: " + log);
            assertFinite(ModelArtifact.read(out.resolve("model.zip")), "model.zip");
            for (String name : checkpointNames(out)) {
                assertFinite(ModelArtifact.read(out.resolve("checkpoints").resolve(name)), name);
            }

            System.out.printf(Locale.ROOT, "DriverRestartTest: killed %.1f s after epoch 2's checkpoint (epoch 2 took "
                            + "%.1f s); %d Aeron directories left (%d MB); resume started %.1f s after the kill, its "
                            + "first epoch ended %.1f s after the kill, the run %.1f s after it%n",
                    seconds(kill.killedAt() - kill.checkpointedAt()), epochSeconds(out, CHECKPOINTED),
                    leftAeronDirectories.size(), megabytes(leftAeronDirectories), seconds(resumedAt - kill.killedAt()),
                    seconds(firstEpochAt - kill.killedAt()), seconds(endedAt - kill.killedAt()));
        } finally {
            killed.process().destroyForcibly();
            for (Path dir : leftAeronDirectories) { // the test's own leftovers
                org.agrona.IoUtil.delete(dir.toFile(), true);
            }
        }
    }

    /** When epoch {@value #CHECKPOINTED}'s checkpoint appeared and when the driver was killed. */
    private record Kill(long checkpointedAt, long killedAt) {
    }

    /**
     * Waits for the checkpoint of epoch {@value #CHECKPOINTED}, then, a tenth of an epoch later (the
     * next epoch under way, far from its end), sends SIGKILL to the JVM; first adds its Aeron directories to {@code mapped}.
     */
    private static Kill killMidEpoch(TrainJvm jvm, Path out, List<Path> mapped) throws Exception {
        jvm.awaitFile(checkpoint(out, CHECKPOINTED), 120);
        long checkpointedAt = System.nanoTime();
        assertTrue(jvm.process().info().command().orElse("").endsWith("/java"), "the process is the JVM");
        mapped.addAll(aeronDirectories(jvm.process().pid()));
        // metrics.json is written before the checkpoint: it has the epoch's time
        long tenthOfAnEpochNanos = (long) (epochSeconds(out, CHECKPOINTED) * 1e9 / 10);
        TimeUnit.NANOSECONDS.sleep(checkpointedAt + tenthOfAnEpochNanos - System.nanoTime());
        assertTrue(jvm.process().isAlive() && !Files.exists(checkpoint(out, CHECKPOINTED + 1)),
                "still in epoch " + (CHECKPOINTED + 1) + " a tenth of an epoch later: " + jvm.output());
        long killedAt = System.nanoTime();
        jvm.process().destroyForcibly(); // SIGKILL
        return new Kill(checkpointedAt, killedAt);
    }

    /** {@code averon train} in its own JVM ({@link CliJvm}), stdout and stderr to files in {@code dir}. */
    private record TrainJvm(Process process, Path stdoutFile, Path stderrFile) {

        static TrainJvm start(Path dir, String name, List<String> args) throws IOException {
            Path stdout = dir.resolve(name + ".out");
            Path stderr = dir.resolve(name + ".err");
            ProcessBuilder builder = CliJvm.builder(List.of("-Xmx1g", "-Djava.io.tmpdir="
                    + Files.createDirectories(dir.resolve("jvm-tmp"))), args)
                    .redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
            builder.environment().put("OMP_NUM_THREADS", "1"); // as bin/averon sets it for the spark engine
            return new TrainJvm(builder.start(), stdout, stderr);
        }

        /** Waits until {@code file} exists; fails if the process ends first or after {@code timeoutSeconds}. */
        void awaitFile(Path file, long timeoutSeconds) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
            while (!Files.exists(file)) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    process.destroyForcibly();
                    fail(file.getFileName() + " never appeared: " + output());
                }
                Thread.sleep(20);
            }
        }

        int awaitExit(long timeoutSeconds) throws Exception {
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                fail("still running after " + timeoutSeconds + " s: " + output());
            }
            return process.exitValue();
        }

        String stdout() throws IOException {
            return Files.readString(stdoutFile, StandardCharsets.UTF_8);
        }

        String output() throws IOException {
            return stdout() + "\nstderr:\n" + Files.readString(stderrFile, StandardCharsets.UTF_8);
        }
    }

    private static Path checkpoint(Path out, int epoch) {
        return out.resolve("checkpoints").resolve(String.format(Locale.ROOT, "epoch-%04d.zip", epoch));
    }

    private static List<String> checkpointNames(Path out) throws IOException {
        try (Stream<Path> files = Files.list(out.resolve("checkpoints"))) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static List<JsonNode> epochs(Path out) throws IOException {
        List<JsonNode> epochs = new ArrayList<>();
        TrainingFixtures.metrics(out).path("epochs").forEach(epochs::add);
        return epochs;
    }

    private static List<Integer> epochNumbers(Path out) throws IOException {
        return epochs(out).stream().map(e -> e.path("epoch").asInt()).toList();
    }

    private static double epochSeconds(Path out, int epoch) throws IOException {
        return epochs(out).get(epoch - 1).path("wall_seconds").asDouble();
    }

    /** The Aeron directories of the process's media drivers: those whose control file it has mapped. */
    private static List<Path> aeronDirectories(long pid) throws IOException {
        Matcher m = AERON_CNC.matcher(Files.readString(Path.of("/proc/" + pid + "/maps")));
        List<Path> dirs = new ArrayList<>();
        while (m.find()) {
            Path dir = Path.of(m.group(1));
            if (!dirs.contains(dir)) {
                dirs.add(dir);
            }
        }
        return dirs;
    }

    private static long megabytes(List<Path> dirs) throws IOException {
        long bytes = 0;
        for (Path dir : dirs) {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    bytes += Files.size(f);
                }
            }
        }
        return bytes >> 20;
    }

    private static void assertFinite(ModelArtifact artifact, String what) {
        float[] params = artifact.model().params().toFloatVector();
        for (int i = 0; i < params.length; i++) {
            assertTrue(Float.isFinite(params[i]), what + ": parameter " + i + " is " + params[i]);
        }
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }

    private static List<String> concat(List<String> args, String more) {
        List<String> all = new ArrayList<>(args);
        all.add(more);
        return all;
    }
}
