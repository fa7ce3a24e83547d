package io.averon.driver.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code train --augment}: applied in the executors, seeded, and refused for data that is not images. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class AugmentTrainingTest {

    @TempDir
    Path tmp;

    private static final String[] SMALL = {"--model", "mlp", "--epochs", "2", "--batch-size", "32", "--seed", "5"};

    private static String[] with(String[] base, String... more) {
        String[] all = java.util.Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }

    @Test
    void shouldAugmentInTheExecutorsAndRepeatBitForBitWhenTheSparkEngineIsDeterministic() throws IOException {
        Path data = TestFiles.idxDirectory(tmp.resolve("idx"), 400, 100);
        String[] spark = with(SMALL, "--workers", "2", "--deterministic");

        CliRun plain = SparkEngineTest.train(data, tmp.resolve("plain"), spark);
        CliRun first = SparkEngineTest.train(data, tmp.resolve("first"), with(spark, "--augment", "crop:2,flip"));
        CliRun second = SparkEngineTest.train(data, tmp.resolve("second"), with(spark, "--augment", "crop:2,flip"));

        assertEquals(0, plain.exitCode(), plain.err());
        assertEquals(0, first.exitCode(), first.err());
        assertEquals(0, second.exitCode(), second.err());
        assertFalse(java.util.Arrays.equals(SparkEngineTest.params(tmp.resolve("plain")),
                SparkEngineTest.params(tmp.resolve("first"))), "augmented minibatches train another model");
        assertArrayEquals(SparkEngineTest.params(tmp.resolve("first")), SparkEngineTest.params(tmp.resolve("second")),
                "the executors' crops and flips are seeded");
        assertEquals("crop:2,flip", SparkEngineTest.metrics(tmp.resolve("first")).get("config").get("augment").asText());
    }

    @Test
    void shouldAugmentWhenTheLocalEngineTrains() throws IOException {
        Path data = TestFiles.idxDirectory(tmp.resolve("idx"), 300, 100);
        String[] local = with(SMALL, "--engine", "local", "--threads", "1");

        CliRun plain = SparkEngineTest.train(data, tmp.resolve("plain"), local);
        CliRun flipped = SparkEngineTest.train(data, tmp.resolve("flipped"), with(local, "--augment", "flip"));

        assertEquals(0, plain.exitCode(), plain.err());
        assertEquals(0, flipped.exitCode(), flipped.err());
        assertFalse(java.util.Arrays.equals(SparkEngineTest.params(tmp.resolve("plain")),
                SparkEngineTest.params(tmp.resolve("flipped"))));
    }

    @Test
    void shouldRefuseBeforeTrainingWhenTheDataAreNotImagesOrTheListIsWrong() throws IOException {
        Path csv = TestFiles.csv(tmp.resolve("table.csv"), 200);

        CliRun tabular = SparkEngineTest.train(csv, tmp.resolve("tabular"), with(SMALL, "--augment", "flip"));
        CliRun unknown = SparkEngineTest.train(TestFiles.idxDirectory(tmp.resolve("idx"), 100, 20), tmp.resolve("unknown"),
                with(SMALL, "--augment", "crop,rotate"));

        assertEquals(2, tabular.exitCode(), tabular.err());
        assertTrue(tabular.errorLine().contains("needs image data") && tabular.errorLine().contains("table.csv"),
                tabular.errorLine());
        assertFalse(Files.exists(tmp.resolve("tabular")), "nothing written");
        assertEquals(2, unknown.exitCode(), unknown.err());
        assertTrue(unknown.errorLine().contains("'rotate'"), unknown.errorLine());
        assertFalse(Files.exists(tmp.resolve("unknown")));
    }
}
