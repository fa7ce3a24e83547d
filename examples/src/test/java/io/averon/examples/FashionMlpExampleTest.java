package io.averon.examples;

import io.averon.core.artifact.ModelArtifact;
import io.averon.core.train.TrainingResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs the example small, on a generated three-class CSV, and checks what it promises. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class FashionMlpExampleTest {

    @Test
    void shouldTrainAndSaveAModelThatReloadsWhenRunOnSmallData(@TempDir Path tmp) throws IOException {
        Path csv = tmp.resolve("blobs.csv");
        Random random = new Random(11);
        StringBuilder text = new StringBuilder("a,b,c,d,kind\n");
        for (int i = 0; i < 3000; i++) {
            int kind = i % 3;
            text.append(String.format(java.util.Locale.ROOT, "%.3f,%.3f,%.3f,%.3f,k%d%n", kind * 3 + random.nextGaussian(),
                    random.nextGaussian(), -kind * 2 + random.nextGaussian(), random.nextGaussian(), kind));
        }
        Files.writeString(csv, text);
        Path model = tmp.resolve("model.zip");

        TrainingResult result = FashionMlpExample.run(csv.toString(), 5, model);

        assertEquals(5, result.epochs().size());
        assertTrue(result.finalMetrics().accuracy() > 0.9, "separable blobs: " + result.finalMetrics().accuracy());
        ModelArtifact loaded = ModelArtifact.read(model);
        assertEquals(java.util.List.of("k0", "k1", "k2"), loaded.manifest().classNames());
    }
}
