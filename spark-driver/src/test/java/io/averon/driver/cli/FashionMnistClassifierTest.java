package io.averon.driver.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.averon.core.data.ArrayDataSet;
import io.averon.core.data.DataSources;
import io.averon.core.data.DataSpec;
import io.averon.core.data.TrainTestData;
import io.averon.driver.ml.AveronClassificationModel;
import io.averon.driver.ml.AveronClassifier;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fashion-MNIST (60k/10k) trained twice with the same settings: by {@code averon train} and by
 * {@link AveronClassifier} in a Spark ML program, the 10k test images held out as the validation
 * rows ({@code validationIndicatorCol}). The Spark ML model's accuracy on the test images, as
 * {@code MulticlassClassificationEvaluator} measures it, is within 0.3 points of the CLI's.
 * Needs Debian's {@code dataset-fashion-mnist} ({@code .ci/run} installs it).
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class FashionMnistClassifierTest {

    private static final String[] SETTINGS = {"--model", "mlp", "--workers", "2", "--epochs", "2", "--seed", "42"};

    @TempDir
    Path tmp;

    @Test
    void shouldReachTheCliAccuracyWithinAThirdOfAPointWhenTrainedThroughAveronClassifier() throws IOException {
        assertTrue(Files.isDirectory(DataSources.DEBIAN_FASHION_MNIST) || System.getenv("AVERON_DATA") != null,
                "Fashion-MNIST is not installed: sudo apt-get install dataset-fashion-mnist");
        Path out = tmp.resolve("cli");
        List<String> args = new ArrayList<>(List.of("train", "--data", "fashion-mnist", "--out", out.toString(),
                "--no-progress", "--master", "local[*]"));
        args.addAll(Arrays.asList(SETTINGS));
        CliRun train = CliRun.of(args.toArray(String[]::new));
        assertEquals(0, train.exitCode(), train.err());
        double cli = new ObjectMapper().readTree(out.resolve("metrics.json").toFile()).path("final")
                .path("test_accuracy").asDouble();

        SparkSession spark = SparkSession.builder().master("local[*]").appName("fashion-mnist-classifier")
                .config("spark.ui.enabled", "false").getOrCreate();
        try {
            // the same images, scaled to [0, 1] as the CLI scales them; the test images flagged as held out
            TrainTestData data = DataSources.loadForTraining(DataSpec.builder(DataSpec.FASHION_MNIST).build(), 42);
            List<Row> rows = new ArrayList<>();
            add(rows, data.train(), false);
            add(rows, data.test(), true);
            Dataset<Row> images = spark.createDataFrame(rows, new StructType()
                    .add("features", DataTypes.createArrayType(DataTypes.FloatType, false), false)
                    .add("label", DataTypes.DoubleType, false).add("is_test", DataTypes.BooleanType, false));
            AveronClassificationModel model = new AveronClassifier().setModel("mlp").setWorkers(2).setEpochs(2)
                    .setSeed(42).setValidationIndicatorCol("is_test").fit(images);
            double ml = new MulticlassClassificationEvaluator().setMetricName("accuracy")
                    .evaluate(model.transform(images.filter(functions.col("is_test"))));
            System.out.printf(java.util.Locale.ROOT, "Fashion-MNIST test accuracy: averon train %.4f, AveronClassifier "
                    + "%.4f%n", cli, ml);
            assertEquals(2, model.summary().epochs().size());
            assertEquals(cli, ml, 0.003, "test accuracy: averon train " + cli + ", AveronClassifier " + ml);
            assertTrue(ml > 0.8, "mlp after 2 epochs: " + ml);
        } finally {
            spark.stop();
        }
    }

    private static void add(List<Row> rows, ArrayDataSet part, boolean test) {
        int width = part.featureLength();
        int[] labels = part.classes().values();
        for (int i = 0; i < part.size(); i++) {
            rows.add(RowFactory.create(Arrays.copyOfRange(part.features(), i * width, (i + 1) * width),
                    (double) labels[i], test));
        }
    }
}
