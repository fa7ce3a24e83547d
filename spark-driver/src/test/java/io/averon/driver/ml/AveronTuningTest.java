package io.averon.driver.ml;

import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.evaluation.RegressionEvaluator;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.tuning.CrossValidator;
import org.apache.spark.ml.tuning.CrossValidatorModel;
import org.apache.spark.ml.tuning.ParamGridBuilder;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Averon estimators in Spark ML's tuning and regression tools: a {@link CrossValidator} over a
 * grid of Averon params, and {@link AveronRegressor} judged by {@link RegressionEvaluator}.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class AveronTuningTest {

    @TempDir
    static Path tmp;

    static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = MlData.spark("averon-ml-tuning-test");
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    void shouldPickAModelAndReportEveryGridPointWhenCrossValidatorTunesTheClassifier() throws IOException {
        Path csv = MlData.blobsCsv(tmp.resolve("cv.csv"), 300, 3, 9);
        Dataset<Row> all = spark.read().option("header", "true").option("inferSchema", "true").csv(csv.toString());
        Dataset<Row> indexed = new StringIndexer().setInputCol("species").setOutputCol("label").fit(all).transform(all);
        Dataset<Row> assembled = new VectorAssembler().setInputCols(new String[] {"a", "b", "c", "d"})
                .setOutputCol("raw").transform(indexed);
        Dataset<Row> rows = new StandardScaler().setInputCol("raw").setOutputCol("features").setWithMean(true)
                .fit(assembled).transform(assembled);
        AveronClassifier classifier = new AveronClassifier().setModel("logistic").setBatchSize(16).setWorkers(1)
                .setSeed(2);
        ParamMap[] grid = new ParamGridBuilder().addGrid(classifier.learningRate(), new double[] {0.01, 0.1})
                .addGrid(classifier.epochs(), new int[] {1, 2}).build();

        CrossValidatorModel tuned = new CrossValidator().setEstimator(classifier).setEstimatorParamMaps(grid)
                .setEvaluator(new MulticlassClassificationEvaluator().setMetricName("accuracy")).setNumFolds(2)
                .setSeed(3).fit(rows);

        assertEquals(4, tuned.avgMetrics().length);
        AveronClassificationModel best = assertInstanceOf(AveronClassificationModel.class, tuned.bestModel());
        int bestIndex = 0;
        for (int i = 1; i < 4; i++) {
            if (tuned.avgMetrics()[i] > tuned.avgMetrics()[bestIndex]) {
                bestIndex = i;
            }
        }
        assertEquals(grid[bestIndex].get(classifier.learningRate()).get(), best.getLearningRate(),
                "the best model has the best grid point's params: " + Arrays.toString(tuned.avgMetrics()));
        assertEquals(grid[bestIndex].get(classifier.epochs()).get(), best.getEpochs());
        assertEquals(best.getEpochs(), best.summary().epochs().size());
        assertTrue(tuned.avgMetrics()[bestIndex] > 0.8, Arrays.toString(tuned.avgMetrics()));
    }

    @Test
    void shouldKeepTheParamsWhenAnEstimatorIsSavedAndLoaded() throws IOException {
        AveronRegressor regressor = new AveronRegressor().setLabelCol("target").setEpochs(7).setLearningRate(0.02)
                .setInputShape("1,2");
        String path = tmp.resolve("regressor").toString();

        regressor.write().save(path);
        AveronRegressor loaded = AveronRegressor.load(path);

        assertEquals(regressor.uid(), loaded.uid());
        assertEquals("target", loaded.getLabelCol());
        assertEquals(7, loaded.getEpochs());
        assertEquals(0.02, loaded.getLearningRate());
        assertEquals("1,2", loaded.getInputShape());
        assertEquals(regressor.getSeed(), loaded.getSeed(), "defaults too");
    }

    @Test
    void shouldPredictALinearTargetWhenTheRegressorFitsIt() {
        Random random = new Random(6);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            double a = random.nextGaussian();
            double b = random.nextGaussian();
            rows.add(RowFactory.create(i, a, b, 2 * a - 3 * b + 1 + 0.05 * random.nextGaussian()));
        }
        StructType schema = new StructType().add("id", DataTypes.IntegerType).add("a", DataTypes.DoubleType)
                .add("b", DataTypes.DoubleType).add("target", DataTypes.DoubleType);
        Dataset<Row> data = new VectorAssembler().setInputCols(new String[] {"a", "b"}).setOutputCol("features")
                .transform(spark.createDataFrame(rows, schema));
        Dataset<Row>[] parts = data.randomSplit(new double[] {0.8, 0.2}, 1);

        AveronRegressionModel model = new AveronRegressor().setLabelCol("target").setEpochs(5).setBatchSize(16)
                .setWorkers(1).setLearningRate(0.1).fit(parts[0]);
        Dataset<Row> predicted = model.transform(parts[1]);

        double rmse = new RegressionEvaluator().setLabelCol("target").setMetricName("rmse").evaluate(predicted);
        assertTrue(rmse < 0.3, "rmse " + rmse + " (target standard deviation ~3.6)");
        assertEquals(List.of("id", "a", "b", "target", "features", "prediction", "error"),
                List.of(predicted.columns()));
        List<TrainingSummary.Epoch> epochs = model.summary().epochs();
        assertEquals(5, epochs.size());
        assertTrue(epochs.get(4).validationMetric() < epochs.get(0).validationMetric(),
                "validation mse falls: " + epochs);
    }
}
