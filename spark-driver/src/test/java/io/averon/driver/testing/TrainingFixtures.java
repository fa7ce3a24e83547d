package io.averon.driver.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.averon.core.artifact.ModelArtifact;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Test data and run files shared by the engine's API tests and the CLI tests: a CSV of three
 * Gaussian blobs, and what a run leaves in its output directory (model.zip's parameters,
 * metrics.json).
 */
public final class TrainingFixtures {

    public static final int FEATURES = 6;
    public static final int CLASSES = 3;

    private TrainingFixtures() {
    }

    /** Rows {@code f0..f5,label} of three Gaussian blobs (labels c0, c1, c2), always the same for a row count. */
    public static List<String> blobRows(int rows) {
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

    /** Writes {@code rows} under the header {@code f0,...,f5,label}. */
    public static Path writeCsv(Path file, List<String> rows) throws IOException {
        StringBuilder text = new StringBuilder();
        for (int f = 0; f < FEATURES; f++) {
            text.append("f").append(f).append(',');
        }
        text.append("label\n");
        rows.forEach(r -> text.append(r).append('\n'));
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return file;
    }

    /** A CSV of {@link #blobRows}{@code (rows)}. */
    public static Path blobCsv(Path file, int rows) {
        try {
            return writeCsv(file, blobRows(rows));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The parameters of the run's {@code model.zip}. */
    public static float[] params(Path run) {
        return ModelArtifact.read(run.resolve("model.zip")).model().params().toFloatVector();
    }

    /** The run's {@code metrics.json}. */
    public static JsonNode metrics(Path run) throws IOException {
        return new ObjectMapper().readTree(run.resolve("metrics.json").toFile());
    }
}
