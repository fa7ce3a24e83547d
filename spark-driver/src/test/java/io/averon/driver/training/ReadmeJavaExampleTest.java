package io.averon.driver.training;

import io.averon.core.artifact.ModelArtifact;
import io.averon.core.data.DataSpec;
import io.averon.core.io.Location;
import io.averon.core.model.ModelSpec;
import io.averon.core.model.UpdaterSpec;
import io.averon.core.train.EpochRecord;
import io.averon.core.train.EvaluationResult;
import io.averon.core.train.TrainingConfig;
import io.averon.driver.data.TrainingInput;
import io.averon.driver.run.MetricsFile;
import io.averon.driver.run.ModelSource;
import io.averon.driver.run.RunOutput;
import io.averon.driver.run.Trained;
import io.averon.driver.run.Trainer;
import io.averon.driver.scoring.BatchScorer;
import io.averon.driver.scoring.ScoringModel;
import io.averon.driver.scoring.SparkEvaluation;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * README.md's "Training from Java" runs as printed: the code between the markers below is
 * the README's block, character for character (up to indentation), and it trains.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ReadmeJavaExampleTest {

    private static final Path SOURCE = Path.of("src", "test", "java", "io", "averon", "driver", "training",
            "ReadmeJavaExampleTest.java");

    @TempDir
    Path tmp;

    @Test
    void shouldTrainResumeEvaluateAndScoreWithTheReadmesJavaCode() throws IOException {
        // what the README's prose assumes: a data set, a seed, an output location, a Spark session and rows to score
        DataSpec dataSpec = DataSpec.builder(blobs(tmp.resolve("blobs.csv")).toString()).build();
        long seed = 42;
        String out = tmp.resolve("run").toString();
        SparkSession spark = SparkSession.builder().config(new SparkConf().setMaster("local[2]")
                .setAppName("averon-readme").set("spark.ui.enabled", "false")).getOrCreate();
        try {
            JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            Dataset<Row> rows = spark.createDataFrame(List.of(RowFactory.create(1, new double[] {0.1, -0.2}),
                    RowFactory.create(2, new double[] {4.0, -2.1})), new StructType()
                    .add("id", DataTypes.IntegerType).add("features", DataTypes.createArrayType(DataTypes.DoubleType)));
            // README:begin
            TrainingInput input = TrainingInput.of(dataSpec);             // files, an imported data set, SparkData, or arrays
            ModelSource mlp = ModelSource.of(ModelSpec.parse("mlp"), UpdaterSpec.adam(0.01));
            TrainingConfig training = TrainingConfig.builder().epochs(3).seed(seed).build();
            Trainer trainer = new SparkEngine(spark, SparkTrainingConfig.builder(training).workers(2).build());

            RunOutput run = RunOutput.builder(Location.of(out)).build();  // checkpoints, metrics.json, report.html, model.zip
            Trained trained = trainer.fit(input, mlp, run);

            // later, or after a failure: continue from the newest checkpoint, for two more epochs
            RunOutput again = RunOutput.builder(Location.of(out)).resume(true).build();
            Trainer longer = new SparkEngine(spark, SparkTrainingConfig.builder(TrainingConfig.builder().epochs(5)
                    .seed(seed).build()).workers(2).build());
            Trained resumed = longer.fit(input, again.resumeOr(mlp), again);

            ModelArtifact model = ModelArtifact.read(Location.of(out + "/model.zip"));
            EvaluationResult heldOut = SparkEvaluation.evaluate(sc, model, dataSpec, 2);
            Dataset<Row> scored = BatchScorer.score(ScoringModel.read(out + "/model.zip"), rows);
            // README:end

            assertEquals(3, trained.training().epochs().size());
            assertEquals(2, trained.workers());
            assertEquals(List.of(4, 5), resumed.training().epochs().stream().map(EpochRecord::epoch).toList(),
                    "the resumed run trains epochs 4 and 5 only");
            assertEquals(5, MetricsFile.JSON.readTree(Path.of(out, "metrics.json").toFile()).get("epochs").size());
            assertEquals(resumed.training().finalMetrics().accuracy(), heldOut.accuracy(), 1e-9,
                    "the saved model evaluates as training reported");
            assertTrue(heldOut.accuracy() > 0.8, "the blobs are easy to learn: " + heldOut.accuracy());
            List<Row> predicted = scored.orderBy("id").collectAsList();
            assertEquals("c0", predicted.get(0).getAs(BatchScorer.PREDICTED));
            assertEquals("c2", predicted.get(1).getAs(BatchScorer.PREDICTED));
        } finally {
            spark.stop();
        }
    }

    @Test
    void shouldShowInTheReadmeExactlyTheCodeThatRuns() throws IOException {
        io.averon.driver.testing.ReadmeBlocks.assertReadmeShows(SOURCE);
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
