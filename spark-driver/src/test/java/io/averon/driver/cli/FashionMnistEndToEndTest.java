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
    void shouldLearnFashionMnistWithTheMlpPresetOnSparkWithTwoWorkers() throws IOException {
        assertTrue(Files.isDirectory(DataSources.DEBIAN_FASHION_MNIST) || System.getenv("AVERON_DATA") != null,
                "Fashion-MNIST is not installed: sudo apt-get install dataset-fashion-mnist");
        Path out = tmp.resolve("fashion");
        // the default engine: Spark local[*] with the driver's parameter server, averaging once per epoch
        CliRun train = CliRun.of("train", "--data", "fashion-mnist", "--model", "mlp", "--workers", "2",
                "--epochs", "3", "--out", out.toString(), "--no-progress");
        assertEquals(0, train.exitCode(), train.err());
        JsonNode metrics = new ObjectMapper().readTree(out.resolve("metrics.json").toFile());
        assertEquals("spark", metrics.get("config").get("engine").asText());
        assertEquals(3, metrics.get("epochs").size());
        JsonNode last = metrics.get("epochs").get(2);
        assertEquals(60_000, last.get("examples").asLong(), "the two shards together are the whole training set");
        assertEquals(2, last.get("workers").asInt());
        assertEquals(2, last.get("sync_seconds_per_worker").size());
        double accuracy = metrics.get("final").get("test_accuracy").asDouble();
        assertTrue(accuracy >= 0.845, "mlp after 3 epochs on Fashion-MNIST with 2 workers: " + accuracy);
        assertTrue(Files.exists(out.resolve("checkpoints").resolve("epoch-0003.zip")));
        assertEquals("T-shirt/top", metrics.get("final").get("class_names").get(0).asText());

        CliRun eval = CliRun.of("evaluate", "--model", out.resolve("model.zip").toString(), "--data", "fashion-mnist", "--json");
        assertEquals(0, eval.exitCode(), eval.err());
        assertEquals(accuracy, new ObjectMapper().readTree(eval.out()).get("test_accuracy").asDouble(), 0.0);
    }
}
