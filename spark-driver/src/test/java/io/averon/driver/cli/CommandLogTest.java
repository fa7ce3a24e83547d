package io.averon.driver.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a command prints on stderr and where its log goes: by default stderr has only the one
 * {@code averon:} error line (no library warnings, no native-runtime line), the log of a run is
 * {@code --out/averon.log}, and {@code --verbose} puts the log on stderr too. The CLI runs in its own
 * JVM here, as {@code bin/averon} runs it, so stderr is the process's.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class CommandLogTest {

    @TempDir
    Path tmp;

    @Test
    void shouldPrintOnlyTheErrorLineOnStderrWhenACommandFailsOnBadInput() throws Exception {
        Path csv = TestFiles.csv(tmp.resolve("table.csv"), 200);
        List<String> lines = new ArrayList<>(Files.readAllLines(csv));
        lines.set(151, "abc,0.5,a");
        Files.write(csv, lines);

        Cli run = Cli.run(tmp, "train", "--engine", "local", "--data", csv.toString(), "--label-column", "label",
                "--epochs", "1", "--out", tmp.resolve("run").toString(), "--no-progress");

        assertEquals(2, run.exitCode(), run.err());
        assertEquals(List.of("averon: " + csv + " line 152, column 'x1': 'abc' is not a number"), run.errLines());
        assertFalse(Files.exists(tmp.resolve("run")), "nothing written at --out");
    }

    @Test
    void shouldWriteTheRunsLogIntoItsOutputDirectoryAndOnStderrOnlyWhenVerbose() throws Exception {
        Path csv = TestFiles.csv(tmp.resolve("table.csv"), 200);

        Cli quiet = Cli.run(tmp, "train", "--engine", "local", "--data", csv.toString(), "--label-column", "label",
                "--model", "logistic", "--epochs", "1", "--out", tmp.resolve("quiet").toString(), "--no-progress");
        Cli verbose = Cli.run(tmp, "train", "--engine", "local", "--data", csv.toString(), "--label-column", "label",
                "--model", "logistic", "--epochs", "1", "--out", tmp.resolve("verbose").toString(), "--no-progress",
                "--verbose");

        assertEquals(0, quiet.exitCode(), quiet.err());
        assertEquals(List.of(), quiet.errLines(), "a default run prints its epochs on stdout and nothing on stderr");
        assertTrue(quiet.out().contains("epoch 1/1"), quiet.out());
        String log = Files.readString(tmp.resolve("quiet").resolve(CommandLog.FILE_NAME));
        assertTrue(log.contains("ND4J native runtime") && log.contains("effective configuration"), log);
        Path model = tmp.resolve("quiet").resolve("model.zip");
        Cli evaluate = Cli.run(tmp, "evaluate", "--model", model.toString(), "--data", csv.toString(),
                "--label-column", "label");
        assertEquals(0, evaluate.exitCode(), evaluate.err());
        assertEquals(1, evaluate.errLines().size(), "Averon's own warnings stay on stderr: " + evaluate.errLines());
        assertTrue(evaluate.errLines().get(0).endsWith(model + ": unsigned; checked for corruption only"),
                evaluate.errLines().get(0));

        assertEquals(0, verbose.exitCode(), verbose.err());
        assertTrue(verbose.err().contains("ND4J native runtime") && verbose.err().contains("effective configuration"),
                verbose.err());
        assertTrue(Files.readString(tmp.resolve("verbose").resolve(CommandLog.FILE_NAME)).contains("ND4J native runtime"));
        try (var left = Files.list(tmp.resolve("logs").resolve("averon-logs"))) {
            assertEquals(List.of(), left.toList(), "a run that succeeded leaves no log behind in the temporary directory");
        }
    }

    @Test
    void shouldRunTwoCommandsAtOnceInOneJvmEachWithTheLogInItsRun() throws Exception {
        Path csv = TestFiles.csv(tmp.resolve("table.csv"), 200);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            List<java.util.concurrent.Future<CliRun>> runs = new ArrayList<>();
            for (String name : List.of("first", "second")) {
                runs.add(pool.submit(() -> CliRun.of("train", "--engine", "local", "--threads", "1", "--data",
                        csv.toString(), "--label-column", "label", "--model", "logistic", "--epochs", "2", "--out",
                        tmp.resolve(name).toString(), "--no-progress")));
            }
            for (int i = 0; i < runs.size(); i++) {
                CliRun run = runs.get(i).get(120, TimeUnit.SECONDS);
                assertEquals(0, run.exitCode(), run.err());
            }
        } finally {
            pool.shutdownNow();
        }
        for (String name : List.of("first", "second")) {
            assertTrue(Files.readString(tmp.resolve(name).resolve(CommandLog.FILE_NAME)).contains("effective configuration"),
                    name + "'s run has the log");
        }
    }

    /** One {@code averon} process: its exit code, stdout and stderr. */
    private record Cli(int exitCode, String out, String err) {

        static Cli run(Path tmp, String... args) throws IOException, InterruptedException {
            Path logs = Files.createDirectories(tmp.resolve("logs"));
            Path out = tmp.resolve("stdout.txt");
            Path err = tmp.resolve("stderr.txt");
            Process process = CliJvm.builder(List.of("-Xmx1g", "-Djava.io.tmpdir=" + logs), List.of(args))
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            assertTrue(process.waitFor(150, TimeUnit.SECONDS), "averon " + String.join(" ", args) + " did not end");
            return new Cli(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        }

        List<String> errLines() {
            return err.lines().filter(line -> !line.isBlank()).toList();
        }
    }
}
