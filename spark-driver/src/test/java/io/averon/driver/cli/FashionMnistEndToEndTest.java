package io.averon.driver.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.averon.core.data.DataSources;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The one test on the real data: the README's command on Fashion-MNIST (60k/10k), shortened to
 * two epochs. Needs Debian's {@code dataset-fashion-mnist} ({@code .ci/run} installs it).
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class FashionMnistEndToEndTest {

    @TempDir
    Path tmp;

    @Test
    void shouldLearnFashionMnistWithTheMlpPresetWhenTrainedLocally() throws IOException {
        assertTrue(Files.isDirectory(DataSources.DEBIAN_FASHION_MNIST) || System.getenv("AVERON_DATA") != null,
                "Fashion-MNIST is not installed: sudo apt-get install dataset-fashion-mnist");
        Path out = tmp.resolve("fashion");
        CliRun train = CliRun.of("train", "--engine", "local", "--data", "fashion-mnist", "--model", "mlp",
                "--epochs", "2", "--out", out.toString(), "--no-progress");
        assertEquals(0, train.exitCode(), train.err());
        JsonNode metrics = new ObjectMapper().readTree(out.resolve("metrics.json").toFile());
        assertEquals(60_000, metrics.get("epochs").get(0).get("examples").asLong());
        double accuracy = metrics.get("final").get("test_accuracy").asDouble();
        assertTrue(accuracy >= 0.85, "mlp after 2 epochs on Fashion-MNIST: " + accuracy);
        assertEquals("T-shirt/top", metrics.get("final").get("class_names").get(0).asText());

        CliRun eval = CliRun.of("evaluate", "--model", out.resolve("model.zip").toString(), "--data", "fashion-mnist", "--json");
        assertEquals(0, eval.exitCode(), eval.err());
        assertEquals(accuracy, new ObjectMapper().readTree(eval.out()).get("test_accuracy").asDouble(), 0.0);
    }
}
