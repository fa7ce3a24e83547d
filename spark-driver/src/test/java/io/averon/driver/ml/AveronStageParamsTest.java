package io.averon.driver.ml;

import io.averon.core.InvalidInputException;
import io.averon.core.train.TrainingConfig;
import io.averon.driver.training.SparkTrainingConfig;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.param.Param;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Arrays;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Averon stages' params, schema checks and registration, without a Spark session: every bad
 * input refused by {@code transformSchema} with one line naming the column or param, the defaults
 * Averon's own, and the stages found by {@link ServiceLoader} as Spark Connect looks for them.
 */
@Tag("fast")
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class AveronStageParamsTest {

    static final StructType GOOD = new StructType().add("features", SQLDataTypes.VectorType())
            .add("label", DataTypes.DoubleType).add("name", DataTypes.StringType);

    static String refusal(AveronClassifier classifier, StructType schema) {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> classifier.transformSchema(schema));
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        return e.getMessage();
    }

    @Test
    void shouldReturnTheModelsOutputSchemaWhenTheInputIsGood() {
        StructType out = new AveronClassifier().transformSchema(GOOD);

        assertEquals(List.of("features", "label", "name", "prediction", "probability", "rawPrediction", "error"),
                List.of(out.fieldNames()));
        assertEquals(SQLDataTypes.VectorType(), out.apply("probability").dataType());
        assertEquals(List.of("features", "label", "name", "prediction", "error"),
                List.of(new AveronRegressor().transformSchema(GOOD).fieldNames()));
    }

    @Test
    void shouldRefuseWithOneLineNamingTheColumnWhenAColumnIsMissingOrOfTheWrongType() {
        assertEquals("featuresCol 'pixels': no such column; columns: [features, label, name]",
                refusal(new AveronClassifier().setFeaturesCol("pixels"), GOOD));
        assertEquals("featuresCol 'name' is string; it must be a Spark ML vector, an array of numbers, or binary "
                + "with one byte per value", refusal(new AveronClassifier().setFeaturesCol("name"), GOOD));
        assertEquals("labelCol 'y': no such column; columns: [features, label, name]",
                refusal(new AveronClassifier().setLabelCol("y"), GOOD));
        assertEquals("labelCol 'name' is string; it must hold class indices 0, 1, ... as numbers (index names with "
                + "StringIndexer)", refusal(new AveronClassifier().setLabelCol("name"), GOOD));
    }

    @Test
    void shouldRefuseAValidationIndicatorThatIsNotBooleanOrComesWithAValidationFraction() {
        StructType marked = GOOD.add("is_test", DataTypes.BooleanType);
        assertEquals("validationIndicatorCol 'name' is string; it must be boolean (true = a held-out row)",
                refusal(new AveronClassifier().setValidationIndicatorCol("name"), marked));
        assertEquals("validationIndicatorCol 'held': no such column; columns: [features, label, name, is_test]",
                refusal(new AveronClassifier().setValidationIndicatorCol("held"), marked));
        assertEquals("both validationIndicatorCol and validationFraction are set; the held-out rows are either "
                + "marked or drawn at random: set one", refusal(new AveronClassifier().setValidationIndicatorCol("is_test")
                .setValidationFraction(0.1), marked));
        new AveronClassifier().setValidationIndicatorCol("is_test").transformSchema(marked);
    }

    @Test
    void shouldRefuseWhenAnOutputColumnClashes() {
        assertEquals("predictionCol 'name': the input already has this column, or another output is named so; "
                + "rename or drop it", refusal(new AveronClassifier().setPredictionCol("name"), GOOD));
        assertEquals("errorCol 'probability': the input already has this column, or another output is named so; "
                + "rename or drop it", refusal(new AveronClassifier().setErrorCol("probability"), GOOD));
    }

    @Test
    void shouldRefuseInconsistentOrUnknownParamValues() {
        assertEquals("model 'resnet': not a preset (linear, logistic, mlp, cnn) and not a DL4J configuration .json "
                + "file", refusal(new AveronClassifier().setModel("resnet"), GOOD));
        assertEquals("model 'linear' predicts real values; a classifier takes logistic, mlp, cnn or a DL4J "
                + "configuration", refusal(new AveronClassifier().setModel("linear"), GOOD));
        assertEquals("model 'cnn' needs inputShape channels,height,width (e.g. 1,28,28), got none",
                refusal(new AveronClassifier().setModel("cnn"), GOOD));
        assertEquals("inputShape '1,x': must be positive integers separated by commas, e.g. 1,28,28",
                refusal(new AveronClassifier().setInputShape("1,x"), GOOD));
        IllegalArgumentException spark = assertThrows(IllegalArgumentException.class,
                () -> new AveronClassifier().setEpochs(0));
        assertTrue(spark.getMessage().contains("epochs"), "Spark's param validator names the param: "
                + spark.getMessage());
    }

    @Test
    void shouldDefaultToAveronsOwnSettingsWhenParamsAreNotSet() {
        AveronClassifier classifier = new AveronClassifier();

        assertEquals(TrainingConfig.EPOCHS.defaultValue(), classifier.getEpochs());
        assertEquals(TrainingConfig.BATCH_SIZE.defaultValue(), classifier.getBatchSize());
        assertEquals(TrainingConfig.SEED.defaultValue(), classifier.getSeed());
        assertEquals(SparkTrainingConfig.WORKERS.defaultValue(), classifier.getWorkers());
        assertEquals("mlp", classifier.getModel());
        assertEquals("linear", new AveronRegressor().getModel());
        assertNull(classifier.getLearningRate(), "no single default: the preset's for its optimizer");
        List<String> names = Arrays.stream(classifier.params()).map(Param::name).toList();
        assertEquals(List.of("averaging", "batchSize", "epochs", "errorCol", "featuresCol", "inputShape", "labelCol",
                "learningRate", "model", "optimizer", "predictionCol", "probabilityCol", "rawPredictionCol", "seed",
                "syncEvery", "validationFraction", "validationIndicatorCol", "workers"), names);
        AveronClassifier copy = classifier.setEpochs(2).copy(new org.apache.spark.ml.param.ParamMap());
        assertEquals(2, copy.getEpochs());
        assertEquals(classifier.uid(), copy.uid());
    }

    @Test
    void shouldFindTheEstimatorsAndModelsWhenServiceLoaderLooksForSparkMlStages() {
        List<String> estimators = ServiceLoader.load(Estimator.class).stream().map(p -> p.type().getName()).toList();
        List<String> transformers = ServiceLoader.load(Transformer.class).stream().map(p -> p.type().getName())
                .toList();

        assertTrue(estimators.containsAll(List.of(AveronClassifier.class.getName(), AveronRegressor.class.getName())), estimators.toString());
        assertTrue(transformers.containsAll(List.of(AveronClassificationModel.class.getName(),
                AveronRegressionModel.class.getName())),
                transformers.toString());
        // Spark 4's own stages are registered too; Averon's are built with no arguments
        ServiceLoader.load(Estimator.class).stream().filter(p -> p.type().getName().startsWith("io.averon."))
                .forEach(p -> assertTrue(p.get().uid().startsWith("averon"), "constructed: " + p.get().uid()));
        ServiceLoader.load(Transformer.class).stream().filter(p -> p.type().getName().startsWith("io.averon."))
                .forEach(p -> assertTrue(p.get().uid().startsWith("averon"), "constructed: " + p.get().uid()));
    }
}
