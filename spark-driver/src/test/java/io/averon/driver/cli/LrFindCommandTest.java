package io.averon.driver.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code lr-find} through the CLI on small generated data, with the local engine and on Spark
 * {@code local[2]}: the plot and the curve file a user would open, and the refusals.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class LrFindCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern LINE = Pattern.compile(
            "suggested learning rate (\\d\\.\\de[-+]\\d\\d) \\(steepest descent of the smoothed loss\\); plot: (\\S+)\\n");

    @TempDir
    Path tmp;

    private Path data() throws IOException {
        return SparkEngineTest.writeCsv(tmp.resolve("blobs.csv"), SparkEngineTest.blobRows(600));
    }

    private static CliRun lrFind(Path data, Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of("lr-find", "--data", data.toString(), "--model", "mlp",
                "--batch-size", "32", "--seed", "7", "--steps", "50", "--out", out.toString()));
        args.addAll(List.of(extra));
        return CliRun.of(args.toArray(String[]::new));
    }

    /** Checks what a run wrote and printed; returns lr-find.json. */
    private static JsonNode checkOutputs(CliRun run, Path out) throws IOException {
        assertEquals(0, run.exitCode(), run.err());
        Matcher line = LINE.matcher(run.out());
        assertTrue(line.matches(), "one line: " + run.out());
        assertEquals(out.resolve("lr-find.png").toAbsolutePath().normalize().toString(), line.group(2));

        BufferedImage png = ImageIO.read(out.resolve("lr-find.png").toFile());
        assertTrue(png != null && png.getWidth() > 400 && png.getHeight() > 300, "a PNG image");
        assertTrue(distinctColours(png) > 20, "lines, labels and the marker: not blank");

        JsonNode curve = JSON.readTree(out.resolve("lr-find.json").toFile());
        double suggested = curve.get("suggested_learning_rate").asDouble();
        assertTrue(suggested > 1e-7 && suggested < 10, "inside the range: " + suggested);
        assertEquals(Double.parseDouble(line.group(1)), suggested, suggested * 0.05, "printed as in the file");
        int steps = curve.get("steps_run").asInt();
        assertTrue(steps >= 5 && steps <= 50, "steps " + steps);
        for (String series : List.of("learning_rates", "losses", "smoothed_losses")) {
            assertEquals(steps, curve.get(series).size(), series);
        }
        assertEquals(1e-7, curve.get("learning_rates").get(0).asDouble(), 1e-20);
        if ("completed".equals(curve.get("stop").asText())) {
            assertEquals(50, steps, "all steps ran");
            assertEquals(10, curve.get("learning_rates").get(49).asDouble(), 1e-12, "up to --end-lr");
        } else {
            assertEquals("diverged", curve.get("stop").asText());
        }
        assertEquals(suggested, curve.get("learning_rates").get(curve.get("suggested_step").asInt()).asDouble(), 0.0);
        assertEquals("steepest descent of the smoothed loss", curve.get("suggestion").asText());
        try (Stream<Path> files = Files.list(out)) {
            assertEquals(Set.of("lr-find.png", "lr-find.json", "averon.log"), files.map(f -> f.getFileName().toString())
                    .collect(java.util.stream.Collectors.toSet()), "nothing else, no temporary files");
        }
        return curve;
    }

    @Test
    void shouldWritePlotAndCurveAndPrintTheSuggestionWhenRunLocally() throws IOException {
        Path out = tmp.resolve("local");

        JsonNode curve = checkOutputs(lrFind(data(), out, "--engine", "local"), out);

        assertEquals("local", curve.get("config").get("engine").asText());
        assertEquals(32, curve.get("config").get("batch_size").asInt());
    }

    @Test
    void shouldAverageTheWorkersCurvesWhenRunOnSpark() throws IOException {
        Path out = tmp.resolve("spark");

        JsonNode curve = checkOutputs(lrFind(data(), out, "--master", "local[2]", "--workers", "2"), out);

        assertEquals("spark", curve.get("config").get("engine").asText());
        assertEquals(2, curve.get("config").get("workers").asInt());
        JsonNode workers = curve.get("worker_losses");
        assertEquals(2, workers.size());
        assertFalse(workers.get(0).equals(workers.get(1)), "each worker ran on its own shard");
        int steps = curve.get("steps_run").asInt();
        assertTrue(steps <= Math.min(workers.get(0).size(), workers.get(1).size()), "up to the shortest curve");
        for (int i = 0; i < steps; i++) {
            double mean = (workers.get(0).get(i).asDouble() + workers.get(1).get(i).asDouble()) / 2;
            assertEquals(mean, curve.get("losses").get(i).asDouble(), 1e-12, "step " + i);
        }
    }

    @Test
    void shouldGiveTheLocalCurveWhenOneSparkWorkerRunsTheTest() throws IOException {
        Path data = data();
        JsonNode local = checkOutputs(lrFind(data, tmp.resolve("local"), "--engine", "local"), tmp.resolve("local"));

        JsonNode spark = checkOutputs(lrFind(data, tmp.resolve("one"), "--master", "local[2]", "--workers", "1"),
                tmp.resolve("one"));

        assertEquals(local.get("steps_run"), spark.get("steps_run"));
        for (int i = 0; i < local.get("steps_run").asInt(); i++) {
            double expected = local.get("losses").get(i).asDouble();
            assertEquals(expected, spark.get("losses").get(i).asDouble(), 1e-5 * Math.max(1, expected), "step " + i);
        }
        assertEquals(local.get("suggested_step"), spark.get("suggested_step"));
    }

    @Test
    void shouldRunOnAnImportedParquetDataSetInTheExecutorsAndRefuseTheLocalEngineForIt() throws IOException {
        Path dataset = tmp.resolve("blobs-parquet");
        CliRun imported = CliRun.of("import", "--from", data().toString(), "--to", dataset.toString(), "--master",
                "local[2]");
        assertEquals(0, imported.exitCode(), imported.err());
        Path out = tmp.resolve("parquet");

        JsonNode curve = checkOutputs(lrFind(dataset, out, "--master", "local[2]", "--workers", "2"), out);

        assertEquals(2, curve.get("config").get("workers").asInt());
        assertEquals(2, curve.get("worker_losses").size());
        long trainExamples = curve.get("config").get("train_examples").asLong();
        assertTrue(trainExamples > 400 && trainExamples < 560, "the training part of a 0.2 validation split of 600: "
                + trainExamples);

        Path refused = tmp.resolve("parquet-local");
        CliRun local = lrFind(dataset, refused, "--engine", "local");
        assertEquals(AveronCli.EXIT_BAD_INPUT, local.exitCode());
        assertTrue(local.errorLine().contains("Parquet data set") && local.errorLine().contains("--engine local"),
                local.errorLine());
        assertFalse(Files.exists(refused));
    }

    @Test
    void shouldExitTwoAndWriteNothingWhenTheRangeIsEmpty() throws IOException {
        Path out = tmp.resolve("bad");

        CliRun run = lrFind(data(), out, "--engine", "local", "--start-lr", "1", "--end-lr", "0.1");

        assertEquals(AveronCli.EXIT_BAD_INPUT, run.exitCode());
        assertTrue(run.errorLine().startsWith("averon: ") && !run.errorLine().contains("\n"), run.err());
        assertTrue(run.errorLine().contains("start learning rate"), run.errorLine());
        assertEquals("", run.out());
        try (Stream<Path> files = Files.list(tmp)) {
            assertEquals(List.of("blobs.csv"), files.map(f -> f.getFileName().toString()).toList(),
                    "no output directory, no staging directory");
        }
    }

    @Test
    void shouldExitTwoAndKeepTheDirectoryWhenOutExistsWithoutOverwrite() throws IOException {
        Path out = Files.createDirectories(tmp.resolve("taken"));
        Files.writeString(out.resolve("keep.txt"), "mine");

        CliRun run = lrFind(data(), out, "--engine", "local");

        assertEquals(AveronCli.EXIT_BAD_INPUT, run.exitCode());
        assertTrue(run.errorLine().contains("already exists") && !run.errorLine().contains("\n"), run.err());
        assertEquals("mine", Files.readString(out.resolve("keep.txt")));
        assertFalse(Files.exists(out.resolve("lr-find.png")));
    }

    static int distinctColours(BufferedImage image) {
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < image.getHeight(); y += 2) {
            for (int x = 0; x < image.getWidth(); x += 2) {
                colours.add(image.getRGB(x, y));
            }
        }
        return colours.size();
    }
}
