package io.averon.driver.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.averon.ps.ClientContext;
import io.averon.ps.ParameterServerClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code averon ps}: bad input refused before any socket opens; a real server process averaging two workers. */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class PsCommandTest {

    private static final String SECRET = "ps-command-test-secret-0123456789abcdef";

    @TempDir
    Path tmp;

    @Test
    void shouldRefuseMissingOrShortSecretsAndBadBindWithExitCodeTwo() throws Exception {
        Path shortSecret = secretFile("short", "too-short\n");
        Path good = secretFile("good", SECRET + "\n");
        assertRefused(CliRun.of("ps", "--bind", "127.0.0.1:40000", "--workers", "2", "--secret-file",
                tmp.resolve("missing").toString()), "missing", "no such file");
        assertRefused(CliRun.of("ps", "--bind", "127.0.0.1:40000", "--workers", "2", "--secret-file",
                shortSecret.toString()), "short", "at least 32 bytes");
        assertRefused(CliRun.of("ps", "--bind", "localhost", "--workers", "2", "--secret-file", good.toString()),
                "--bind", "HOST:PORT");
        assertRefused(CliRun.of("ps", "--bind", "127.0.0.1:40000", "--workers", "0", "--secret-file", good.toString()),
                "--workers");
        assertRefused(CliRun.of("ps", "--bind", "127.0.0.1:40000", "--workers", "2", "--secret-file", good.toString(),
                "--round-timeout-ms", "0"), "timeout");
    }

    @Test
    void shouldAverageTwoWorkersWhenRunAsItsOwnProcess() throws Exception {
        Path secret = secretFile("secret", SECRET + "\n");
        int port = io.averon.ps.transport.Ports.freeUdpPortPair();
        PsProcess ps = PsProcess.start(port, secret, "ps-test");
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            assertFalse(String.join("\n", ps.output()).contains(SECRET), "the secret is never printed");
            Future<float[]> w0 = pool.submit(() -> round(port, 0, new float[] {1, 2, 3, 4}, 1));
            Future<float[]> w1 = pool.submit(() -> round(port, 1, new float[] {5, 6, 7, 8}, 3));
            float[] expected = {4, 5, 6, 7}; // (1*a + 3*b) / 4
            assertArrayEquals(expected, w0.get(60, TimeUnit.SECONDS));
            assertArrayEquals(expected, w1.get(60, TimeUnit.SECONDS));
        } finally {
            pool.shutdownNow();
            ps.stop();
        }
        assertTrue(ps.output().stream().anyMatch(l -> l.contains("parameter server stopped") && l.contains("roundsClosed=1")),
                () -> "output: " + ps.output());
    }

    /**
     * A long-lived {@code averon ps}, as the Kubernetes Deployment runs it, serves two training runs
     * one after the other (before protocol version 2 the second run's JOINs went unanswered and it
     * failed after about 70 s): the second starts over from round 1, so the two deterministic runs
     * end with the same parameters.
     */
    @Test
    void shouldServeTwoTrainingRunsOneAfterTheOtherWhenLongLived() throws Exception {
        Path secret = secretFile("secret", SECRET + "\n");
        int port = io.averon.ps.transport.Ports.freeUdpPortPair();
        Path data = SparkEngineTest.writeCsv(tmp.resolve("blobs.csv"), SparkEngineTest.blobRows(400));
        PsProcess ps = PsProcess.start(port, secret, "long-lived");
        try {
            for (String run : List.of("first", "second")) {
                CliRun train = SparkEngineTest.train(data, tmp.resolve(run), "--workers", "2", "--model", "logistic",
                        "--epochs", "2", "--deterministic", "--ps", "127.0.0.1:" + port, "--secret-file",
                        secret.toString(), "--job", "long-lived");
                assertEquals(0, train.exitCode(), () -> run + " run: " + train.err() + "\nserver: " + ps.output());
                JsonNode epochs = SparkEngineTest.metrics(tmp.resolve(run)).path("epochs");
                assertEquals(2, epochs.size(), run + " run: " + epochs);
            }
        } finally {
            ps.stop();
        }
        assertArrayEquals(SparkEngineTest.params(tmp.resolve("first")), SparkEngineTest.params(tmp.resolve("second")),
                "the second run trained from the start, as the first did");
        assertTrue(ps.output().stream().anyMatch(l -> l.contains("rounds start over")), () -> "output: " + ps.output());
    }

    /** {@code averon ps} in its own JVM, with its output collected; {@link #start} returns once it listens. */
    private record PsProcess(Process process, List<String> output, Thread reader) {

        static PsProcess start(int port, Path secret, String job) throws Exception {
            Process ps = CliJvm.builder(List.of("-Xmx256m"), List.of("ps", "--bind", "127.0.0.1:" + port, "--workers",
                    "2", "--secret-file", secret.toString(), "--job", job)).redirectErrorStream(true).start();
            List<String> output = java.util.Collections.synchronizedList(new ArrayList<>());
            java.util.concurrent.CountDownLatch listening = new java.util.concurrent.CountDownLatch(1);
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(ps.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        output.add(line);
                        if (line.contains("parameter server listening")) {
                            listening.countDown();
                        }
                    }
                } catch (java.io.IOException e) {
                    output.add("read failed: " + e);
                }
            });
            reader.setDaemon(true);
            reader.start();
            PsProcess started = new PsProcess(ps, output, reader);
            if (!listening.await(60, TimeUnit.SECONDS)) {
                started.stop();
                throw new AssertionError("server never listened: " + output);
            }
            return started;
        }

        void stop() throws InterruptedException {
            process.toHandle().destroy(); // SIGTERM (keeps our end of its output open, unlike Process.destroy)
            assertTrue(process.waitFor(20, TimeUnit.SECONDS), () -> "server did not stop on SIGTERM: " + output);
            reader.join(10_000);
        }
    }

    /** A secret file readable by its owner only, as the server demands. */
    private Path secretFile(String name, String content) throws java.io.IOException {
        Path file = Files.writeString(tmp.resolve(name), content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    @Test
    void shouldRefuseASecretFileReadableByGroupOrOthersUnlessAllowed() throws Exception {
        Path shared = secretFile("shared", SECRET + "\n");
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rw-r-----"));
        assertRefused(CliRun.of("ps", "--bind", "127.0.0.1:40000", "--workers", "2", "--secret-file", shared.toString()),
                shared.toString(), "readable by group or others", "chmod 600", "--allow-shared-secret-file");
        assertRefused(CliRun.of("train", "--ps", "127.0.0.1:40000", "--secret-file", shared.toString(), "--out",
                tmp.resolve("out").toString()), shared.toString(), "chmod 600");

        PsCommand allowed = new PsCommand();
        new picocli.CommandLine(allowed).parseArgs("--bind", "127.0.0.1:40000", "--workers", "2", "--secret-file",
                shared.toString(), "--allow-shared-secret-file");
        assertEquals("127.0.0.1", allowed.context().bindHost(), "accepted (with a warning) when allowed");
        assertArrayEquals(SECRET.getBytes(StandardCharsets.UTF_8), PsCommand.readSecret(shared, true));
    }

    private static float[] round(int port, int worker, float[] values, long samples) {
        byte[] hash = new byte[32];
        ClientContext context = ClientContext.builder().server("127.0.0.1", port)
                .job("ps-test", SECRET.getBytes(StandardCharsets.UTF_8)).worker(worker, 0)
                .model(values.length, 0, hash).connectTimeoutMs(30_000).build();
        try (ParameterServerClient client = ParameterServerClient.connect(context)) {
            long round = client.join() + 1;
            ParameterServerClient.Averaged result = client.pushAndAwait(round, values, values.length, samples, 30_000);
            return Arrays.copyOf(result.values(), result.count());
        }
    }

    private static void assertRefused(CliRun run, String... fragments) {
        assertEquals(2, run.exitCode(), () -> "stderr: " + run.err());
        String line = run.errorLine();
        assertFalse(line.contains("\n"), line);
        for (String f : fragments) {
            assertTrue(line.contains(f), () -> "'" + f + "' missing from: " + line);
        }
    }
}
