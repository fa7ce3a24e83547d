package io.averon.driver.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every corrupt input of the foundation issue, through the real CLI: exit code 2, exactly one
 * line that names the file (and record or offset) and the problem, and no output directory.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class CliInputErrorsTest {

    @TempDir
    Path tmp;

    private CliRun trainOn(Path data, String model) {
        return CliRun.of("train", "--engine", "local", "--data", data.toString(), "--model", model, "--epochs", "1",
                "--out", tmp.resolve("out").toString(), "--no-progress");
    }

    private void assertBadInput(CliRun run, String... expectedFragments) throws IOException {
        assertEquals(2, run.exitCode(), () -> "exit code; stderr: " + run.err());
        String line = run.errorLine();
        assertFalse(line.contains("\n"), () -> "one line expected, got: " + line);
        for (String fragment : expectedFragments) {
            assertTrue(line.contains(fragment), () -> "'" + fragment + "' missing from: " + line);
        }
        assertFalse(Files.exists(tmp.resolve("out")), "no output directory after a failed run");
        try (Stream<Path> left = Files.list(tmp)) {
            assertTrue(left.noneMatch(p -> p.getFileName().toString().startsWith(".out")), "no staging directory left");
        }
    }

    @Test
    void shouldRefuseIdxWithBadMagicWhenTraining() throws IOException {
        Path dir = TestFiles.idxDirectory(tmp.resolve("idx"), 40, 20);
        TestFiles.writeIdx(dir.resolve("train-images-idx3-ubyte.gz"), 0x504B0304, new int[] {40, TestFiles.SIDE, TestFiles.SIDE}, new byte[40 * TestFiles.SIDE * TestFiles.SIDE], true);
        assertBadInput(trainOn(dir, "logistic"), "train-images-idx3-ubyte.gz", "bad magic", "offset 0");
    }

    @Test
    void shouldRefuseTruncatedIdxWhenTraining() throws IOException {
        Path dir = TestFiles.idxDirectory(tmp.resolve("idx"), 40, 20);
        Path images = dir.resolve("t10k-images-idx3-ubyte");
        TestFiles.writeIdx(images, 0x803, new int[] {20, TestFiles.SIDE, TestFiles.SIDE}, new byte[20 * TestFiles.SIDE * TestFiles.SIDE], false);
        Files.delete(dir.resolve("t10k-images-idx3-ubyte.gz"));
        try (RandomAccessFile file = new RandomAccessFile(images.toFile(), "rw")) {
            file.setLength(file.length() - 100);
        }
        assertBadInput(trainOn(dir, "logistic"), "t10k-images-idx3-ubyte", "truncated");
    }

    @Test
    void shouldRefuseImageLabelCountMismatchWhenTraining() throws IOException {
        Path dir = TestFiles.idxDirectory(tmp.resolve("idx"), 40, 20);
        TestFiles.writeIdx(dir.resolve("train-labels-idx1-ubyte.gz"), 0x801, new int[] {39}, new byte[39], true);
        assertBadInput(trainOn(dir, "logistic"), "train-labels-idx1-ubyte.gz", "39 labels", "40 images");
    }

    @Test
    void shouldRefuseLabelOutsideClassRangeWhenTraining() throws IOException {
        Path dir = TestFiles.idxDirectory(tmp.resolve("idx"), 40, 20);
        byte[] labels = new byte[40];
        labels[17] = 12;
        TestFiles.writeIdx(dir.resolve("train-labels-idx1-ubyte.gz"), 0x801, new int[] {40}, labels, true);
        assertBadInput(trainOn(dir, "logistic"), "train-labels-idx1-ubyte.gz", "record 17", "label 12",
                "outside the class range 0-9");
    }

    @Test
    void shouldRefuseCsvWithNonNumericValueWhenTraining() throws IOException {
        Path csv = TestFiles.csv(tmp.resolve("data.csv"), 50);
        java.util.List<String> lines = new java.util.ArrayList<>(Files.readAllLines(csv));
        lines.set(6, "0.5,abc,a");
        Files.write(csv, lines);
        assertBadInput(trainOn(csv, "logistic"), "data.csv", "line 7", "x2", "abc");
    }

    @Test
    void shouldRefuseCsvWithMissingLabelWhenTraining() throws IOException {
        Path csv = TestFiles.csv(tmp.resolve("data.csv"), 50);
        java.util.List<String> lines = new java.util.ArrayList<>(Files.readAllLines(csv));
        lines.set(9, "0.5,0.25,");
        Files.write(csv, lines);
        assertBadInput(trainOn(csv, "logistic"), "data.csv", "line 10", "label");
    }

    @Test
    void shouldRefuseMissingDataFileWhenTraining() throws IOException {
        assertBadInput(trainOn(tmp.resolve("nope.csv"), "logistic"), "nope.csv", "no such file");
    }

    @Test
    void shouldRefuseUnknownModelWhenTraining() throws IOException {
        Path csv = TestFiles.csv(tmp.resolve("data.csv"), 50);
        assertBadInput(trainOn(csv, "resnet9000"), "resnet9000");
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"0", "65535", "99999"})
    void shouldRefuseAParameterServerPortOutOfRangeBeforeAnySparkJob(String port) throws IOException {
        Path csv = TestFiles.csv(tmp.resolve("data.csv"), 50);
        Path secret = Files.writeString(tmp.resolve("job.secret"), "0123456789abcdef0123456789abcdef");
        Files.setPosixFilePermissions(secret, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        CliRun run = CliRun.of("train", "--data", csv.toString(), "--model", "logistic", "--epochs", "1",
                "--ps", "127.0.0.1:" + port, "--secret-file", secret.toString(), "--master", "local[1]",
                "--out", tmp.resolve("out").toString(), "--no-progress");
        assertBadInput(run, "--ps 127.0.0.1:" + port, "1..65534");
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"train", "evaluate"})
    void shouldRefuseZeroThreadsInEveryCommand(String command) throws IOException {
        Path csv = TestFiles.csv(tmp.resolve("data.csv"), 50);
        CliRun run = command.equals("train")
                ? CliRun.of("train", "--engine", "local", "--data", csv.toString(), "--model", "logistic", "--epochs", "1",
                        "--threads", "0", "--out", tmp.resolve("out").toString(), "--no-progress")
                : CliRun.of("evaluate", "--model", tmp.resolve("model.zip").toString(), "--data", csv.toString(),
                        "--threads", "0");
        assertBadInput(run, "--threads must be >= 1, got 0");
    }

    @Test
    void shouldRefuseBadFlagValueWithUsageExitCode() throws IOException {
        CliRun run = CliRun.of("train", "--epochs", "many", "--out", tmp.resolve("out").toString());
        assertBadInput(run, "--epochs", "many");
    }

    @Test
    void shouldRefuseExistingOutputDirectoryAndLeaveItAlone() throws IOException {
        Path csv = TestFiles.csv(tmp.resolve("data.csv"), 50);
        Path out = Files.createDirectories(tmp.resolve("existing"));
        Files.writeString(out.resolve("keep.txt"), "mine");
        CliRun run = CliRun.of("train", "--data", csv.toString(), "--model", "logistic", "--epochs", "1",
                "--out", out.toString());
        assertEquals(2, run.exitCode(), run.err());
        assertTrue(run.errorLine().contains("already exists"), run.errorLine());
        assertEquals("mine", Files.readString(out.resolve("keep.txt")));
    }

    @Test
    void shouldRefuseOutputOnAFileSystemWithoutAnImplementation() throws IOException {
        Path csv = TestFiles.csv(tmp.resolve("data.csv"), 50);
        CliRun run = CliRun.of("train", "--engine", "local", "--data", csv.toString(), "--model", "logistic",
                "--epochs", "1", "--out", "nofs://host/runs/a");
        assertEquals(2, run.exitCode(), run.err());
        assertTrue(run.errorLine().startsWith("averon: nofs://host/runs/a: cannot open its file system"),
                run.errorLine());
        assertFalse(run.errorLine().contains("\n"));
    }

    @Test
    void shouldRefuseTamperedAndTruncatedModelZipWhenEvaluating() throws IOException {
        Path csv = TestFiles.csv(tmp.resolve("data.csv"), 200);
        Path run = tmp.resolve("run");
        CliRun trained = CliRun.of("train", "--data", csv.toString(), "--model", "logistic", "--epochs", "1",
                "--out", run.toString(), "--no-progress");
        assertEquals(0, trained.exitCode(), trained.err());
        byte[] zip = Files.readAllBytes(run.resolve("model.zip"));

        Path tampered = tmp.resolve("tampered.zip");
        byte[] changed = zip.clone();
        int at = indexOf(changed, "parameters.bin".getBytes(StandardCharsets.US_ASCII)) + 40; // inside the stored data
        changed[at] ^= 0x5A;
        Files.write(tampered, changed);
        CliRun t = CliRun.of("evaluate", "--model", tampered.toString(), "--data", csv.toString());
        assertEquals(2, t.exitCode(), t.err());
        assertTrue(t.errorLine().contains("tampered.zip"), t.errorLine());
        assertFalse(t.errorLine().contains("\n"));

        Path truncated = tmp.resolve("truncated.zip");
        Files.write(truncated, java.util.Arrays.copyOf(zip, zip.length * 2 / 3));
        CliRun tr = CliRun.of("evaluate", "--model", truncated.toString(), "--data", csv.toString());
        assertEquals(2, tr.exitCode(), tr.err());
        assertTrue(tr.errorLine().contains("truncated.zip"), tr.errorLine());
        assertFalse(tr.errorLine().contains("\n"));
    }

    @Test
    void shouldRefuseCsvLabelOutsideModelClassesWhenEvaluating() throws IOException {
        Path csv = TestFiles.csv(tmp.resolve("data.csv"), 200);
        Path run = tmp.resolve("run");
        assertEquals(0, CliRun.of("train", "--data", csv.toString(), "--model", "logistic", "--epochs", "1",
                "--out", run.toString(), "--no-progress").exitCode());
        java.util.List<String> lines = new java.util.ArrayList<>(Files.readAllLines(csv));
        lines.set(3, "0.1,0.2,c");
        Path other = tmp.resolve("other.csv");
        Files.write(other, lines);
        CliRun e = CliRun.of("evaluate", "--model", run.resolve("model.zip").toString(), "--data", other.toString());
        assertEquals(2, e.exitCode(), e.err());
        assertTrue(e.errorLine().contains("other.csv") && e.errorLine().contains("line 4") && e.errorLine().contains("'c'"),
                e.errorLine());
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i + needle.length;
        }
        throw new AssertionError("entry not found");
    }
}
