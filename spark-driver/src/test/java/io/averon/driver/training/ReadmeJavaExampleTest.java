package io.averon.driver.training;

import io.averon.core.data.DataSources;
import io.averon.core.data.DataSpec;
import io.averon.core.data.TrainTestData;
import io.averon.core.model.AveronModel;
import io.averon.core.model.ModelFactory;
import io.averon.core.model.ModelSpec;
import io.averon.core.model.UpdaterSpec;
import io.averon.core.train.TrainingConfig;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * README.md's "The Spark engine from Java" runs as printed: the code between the markers below is
 * the README's block, character for character (up to indentation), and it trains.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ReadmeJavaExampleTest {

    private static final Path SOURCE = Path.of("src", "test", "java", "io", "averon", "driver", "training",
            "ReadmeJavaExampleTest.java");

    @TempDir
    Path tmp;

    @Test
    void shouldTrainWithTheReadmesJavaCode() throws IOException {
        // what the README's prose assumes: a data set, a seed, an optimiser and a Spark context
        DataSpec dataSpec = DataSpec.builder(blobs(tmp.resolve("blobs.csv")).toString()).build();
        long seed = 42;
        UpdaterSpec updater = UpdaterSpec.adam(0.01);
        try (JavaSparkContext sc = new JavaSparkContext(new SparkConf().setMaster("local[2]")
                .setAppName("averon-readme").set("spark.ui.enabled", "false"))) {
            // README:begin
            TrainTestData data = DataSources.loadForTraining(dataSpec, seed);          // the driver's view: sizes, classes
            AveronModel model = ModelFactory.create(ModelSpec.parse("mlp"), data.train().exampleShape(),
                    data.train().classNames().size(), updater, seed);
            SparkTrainingConfig config = SparkTrainingConfig.builder(TrainingConfig.builder().epochs(5).seed(seed).build())
                    .workers(2).syncEvery(0).build();                                  // validated here, before any job
            SparkTrainer.Result result = new SparkTrainer(sc, config)
                    .fit(dataSpec, data, model, null, null, new SparkTrainer.EpochListener() { });
            // README:end

            assertEquals(5, result.training().epochs().size());
            assertEquals(2, result.workers());
            assertTrue(result.training().finalMetrics().accuracy() > 0.8,
                    "the blobs are easy to learn: " + result.training().finalMetrics().accuracy());
        }
    }

    @Test
    void shouldShowInTheReadmeExactlyTheCodeThatRuns() throws IOException {
        String source = Files.readString(SOURCE, StandardCharsets.UTF_8);
        String block = source.substring(source.indexOf("// README:begin\n") + "// README:begin\n".length(),
                source.indexOf("// README:end"));
        String unindented = block.stripTrailing().lines().map(line -> line.length() >= 12 ? line.substring(12) : line.strip())
                .collect(Collectors.joining("\n"));
        String readme = Files.readString(Path.of("..", "README.md"), StandardCharsets.UTF_8);
        assertTrue(readme.contains("```java\n" + unindented + "\n```"),
                "README.md's Spark-engine Java block differs from the code this test runs:\n" + unindented);
    }

    private static Path blobs(Path file) throws IOException {
        Random random = new Random(7);
        StringBuilder csv = new StringBuilder("a,b,label\n");
        for (int i = 0; i < 600; i++) {
            int label = random.nextInt(3);
            csv.append(String.format(Locale.ROOT, "%.4f,%.4f,c%d%n", random.nextGaussian() * 0.5 + label * 2,
                    random.nextGaussian() * 0.5 - label, label));
        }
        Files.writeString(file, csv, StandardCharsets.UTF_8);
        return file;
    }
}
