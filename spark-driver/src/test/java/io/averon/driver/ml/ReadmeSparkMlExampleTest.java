package io.averon.driver.ml;

import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.Trigger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * README.md's "Spark ML" Java block runs as printed: the code between the markers below is the
 * README's block, character for character (up to indentation), and it fits, saves, loads, evaluates
 * and scores a stream.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class ReadmeSparkMlExampleTest {

    private static final Path SOURCE = Path.of("src", "test", "java", "io", "averon", "driver", "ml",
            "ReadmeSparkMlExampleTest.java");

    @TempDir
    Path tmp;

    @Test
    void shouldFitSaveLoadEvaluateAndScoreAStreamWithTheReadmesSparkMlCode() throws Exception {
        // what the README's prose assumes: a CSV of four measurements and a species, a place to save, a stream's paths
        Path csv = MlData.blobsCsv(tmp.resolve("species.csv"), 600, 3, 11);
        String path = tmp.resolve("models/species").toString();
        String incoming = tmp.resolve("incoming").toString();
        String scoredPath = tmp.resolve("scored").toString();
        String checkpoint = tmp.resolve("checkpoint").toString();
        SparkSession spark = MlData.spark("readme-spark-ml");
        try {
            Dataset<Row>[] parts = spark.read().option("header", true).option("inferSchema", true)
                    .csv(csv.toString()).randomSplit(new double[] {0.8, 0.2}, 1);
            Dataset<Row> train = parts[0];
            Dataset<Row> test = parts[1];
            test.drop("species").write().parquet(incoming); // the files that have arrived
            // README:begin
            Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {
                    new StringIndexer().setInputCol("species").setOutputCol("label"),
                    new VectorAssembler().setInputCols(new String[] {"a", "b", "c", "d"}).setOutputCol("raw"),
                    new StandardScaler().setInputCol("raw").setOutputCol("features"),
                    new AveronClassifier().setModel("mlp").setEpochs(10).setWorkers(2).setLearningRate(0.01)});
            PipelineModel fitted = pipeline.fit(train);
            fitted.write().overwrite().save(path);                      // Spark ML's metadata + each stage's model.zip

            PipelineModel loaded = PipelineModel.load(path);             // model.zip verified on load
            double accuracy = new MulticlassClassificationEvaluator().setMetricName("accuracy")
                    .evaluate(loaded.transform(test));
            AveronClassificationModel averon = (AveronClassificationModel) loaded.stages()[3];

            // the same model on a stream: Parquet files arriving in a directory, scored rows to a Parquet sink
            StreamingQuery query = loaded.transform(spark.readStream().schema(test.drop("species").schema())
                            .parquet(incoming))
                    .writeStream().format("parquet").option("path", scoredPath)
                    .option("checkpointLocation", checkpoint).trigger(Trigger.AvailableNow()).start();
            query.awaitTermination();
            // README:end

            assertTrue(accuracy > 0.9, "the blobs are easy: " + accuracy);
            assertEquals(3, averon.numClasses());
            assertEquals(test.count(), spark.read().parquet(scoredPath).filter("error is null").count(),
                    "every streamed row scored");
        } finally {
            spark.stop();
        }
    }

    @Test
    void shouldShowInTheReadmeExactlyTheCodeThatRuns() throws IOException {
        io.averon.driver.testing.ReadmeBlocks.assertReadmeShows(SOURCE);
    }
}
