package io.averon.driver.training;

import io.averon.driver.data.SparkData;
import io.averon.core.InvalidInputException;
import io.averon.core.data.ArrayDataSet;
import io.averon.core.data.Labels;
import io.averon.core.data.Normalizer;
import io.averon.core.data.SplitSpec;
import io.averon.core.data.TrainTestData;
import io.averon.core.model.AveronModel;
import io.averon.core.model.ModelFactory;
import io.averon.core.model.ModelSpec;
import io.averon.core.model.UpdaterSpec;
import io.averon.core.runtime.NativeRuntime;
import io.averon.core.runtime.NativeSettings;
import io.averon.core.train.Evaluator;
import io.averon.core.train.LocalTrainer;
import io.averon.core.train.LrCurve;
import io.averon.core.train.LrFinder;
import io.averon.core.train.TrainingConfig;
import io.averon.core.train.TrainingListener;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import io.averon.driver.data.TrainingInput;
import io.averon.driver.run.LocalEngine;
import io.averon.driver.run.LrFindResult;
import io.averon.driver.run.ModelSource;
import io.averon.driver.run.Trained;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link SparkEngine} on {@link SparkData}: training from an RDD of DL4J data sets or a
 * DataFrame, equal to local training, the learning-rate range test on it, and bad input refused
 * before the training job.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class SparkDataTrainingTest {

    static final int FEATURES = 6;
    static final List<String> CLASSES = List.of("red", "green", "blue");

    static SparkSession spark;
    static JavaSparkContext sc;
    static final List<String> jobDescriptions = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void startSpark() {
        spark = SparkSession.builder().config(new SparkConf().setMaster("local[2]").setAppName("averon-sparkdata-test")
                .set("spark.ui.enabled", "false")).getOrCreate();
        sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        sc.sc().addSparkListener(new SparkListener() {
            @Override
            public void onJobStart(SparkListenerJobStart start) {
                jobDescriptions.add(String.valueOf(start.properties().getProperty("spark.job.description")));
            }
        });
    }

    @AfterAll
    static void stopSpark() {
        spark.stop();
    }

    /** Three Gaussian blobs. */
    static ArrayDataSet blobs(int n, long seed, String name) {
        Random random = new Random(seed);
        float[] x = new float[n * FEATURES];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = random.nextInt(CLASSES.size());
            for (int f = 0; f < FEATURES; f++) {
                x[i * FEATURES + f] = (float) (random.nextGaussian() + (f % CLASSES.size() == y[i] ? 1.5 : 0));
            }
        }
        return new ArrayDataSet(name, new int[] {FEATURES}, x, new Labels.Classes(y, CLASSES));
    }

    /** The examples as DL4J minibatches of {@code perDataSet}, in {@code partitions} partitions. */
    static JavaRDD<DataSet> dataSets(ArrayDataSet data, int perDataSet, int partitions) {
        List<DataSet> out = new ArrayList<>();
        int[] y = data.classes().values();
        for (int from = 0; from < data.size(); from += perDataSet) {
            int n = Math.min(perDataSet, data.size() - from);
            float[][] labels = new float[n][CLASSES.size()];
            for (int i = 0; i < n; i++) {
                labels[i][y[from + i]] = 1;
            }
            float[] x = Arrays.copyOfRange(data.features(), from * FEATURES, (from + n) * FEATURES);
            out.add(new DataSet(Nd4j.create(x, new long[] {n, FEATURES}, 'c'), Nd4j.create(labels)));
        }
        return sc.parallelize(out, partitions);
    }

    /** The examples as rows (features array, class-name label), in {@code partitions} partitions. */
    static Dataset<Row> rows(ArrayDataSet data, int partitions) {
        List<Row> out = new ArrayList<>();
        for (int i = 0; i < data.size(); i++) {
            float[] x = Arrays.copyOfRange(data.features(), i * FEATURES, (i + 1) * FEATURES);
            out.add(RowFactory.create(i, x, CLASSES.get(data.classes().values()[i])));
        }
        StructType schema = new StructType().add("id", DataTypes.IntegerType)
                .add("features", DataTypes.createArrayType(DataTypes.FloatType)).add("label", DataTypes.StringType);
        return spark.createDataFrame(sc.parallelize(out, partitions), schema); // contiguous, in order
    }

    static TrainingConfig training() {
        return TrainingConfig.builder().epochs(2).batchSize(32).seed(5).build();
    }

    static AveronModel mlp() {
        return ModelFactory.create(ModelSpec.parse("mlp"), new int[] {FEATURES}, CLASSES.size(), UpdaterSpec.adam(0.01), 5);
    }

    static SparkTrainer trainer(int workers) {
        return new SparkTrainer(sc, config(workers));
    }

    static SparkTrainingConfig config(int workers) {
        return SparkTrainingConfig.builder(training()).workers(workers).deterministic(true).build();
    }

    /** Trains on data in Spark through the public API. */
    static Trained fit(int workers, SparkData data, AveronModel model) {
        return new SparkEngine(spark, config(workers)).fit(TrainingInput.of(data), ModelSource.of(model));
    }

    @Test
    void shouldEqualLocalTrainingWhenOneWorkerTrainsOnAnRddOfDataSets() {
        ArrayDataSet train = blobs(600, 1, "train");
        ArrayDataSet test = blobs(150, 2, "test");
        Trained result = new SparkEngine(spark, SparkTrainingConfig.builder(training()).workers(1).build()).fit(
                TrainingInput.of(SparkData.fromDataSets(dataSets(train, 25, 4), dataSets(test, 50, 2), CLASSES)),
                ModelSource.of(mlp()));

        NativeRuntime.configure(new NativeSettings(1, false));
        AveronModel local = mlp();
        new LocalTrainer(training()).fit(local, train, test, new TrainingListener() { });
        assertArrayEquals(local.params().toFloatVector(), result.model().params().toFloatVector(),
                "one worker on the RDD's examples, in the RDD's order, is the local engine");
        assertEquals(150, result.training().finalMetrics().count());
    }

    @Test
    void shouldTrainTwoWorkersFromADataFrameLikeFromTheSameDataSets() {
        ArrayDataSet train = blobs(800, 3, "train");
        ArrayDataSet test = blobs(200, 4, "test");
        Trained fromRows = fit(2, SparkData.fromRows(rows(train, 3), rows(test, 2), "features",
                "label", CLASSES), mlp());
        Trained fromDataSets = fit(2, SparkData.fromDataSets(dataSets(train, 40, 3),
                dataSets(test, 40, 2), CLASSES), mlp());

        assertEquals(2, fromRows.workers());
        assertArrayEquals(fromDataSets.model().params().toFloatVector(), fromRows.model().params().toFloatVector(),
                "the same examples in the same order make the same shards, whatever the input type");
        double accuracy = Evaluator.evaluate(fromRows.model(), test).accuracy();
        assertTrue(accuracy > 0.85, "separable blobs are learned: accuracy " + accuracy);
        assertEquals(accuracy, fromRows.training().finalMetrics().accuracy(), 1e-9,
                "the merged per-worker evaluation is the whole test set's");
    }

    @Test
    void shouldRunTheRangeTestOnDataInSparkAsTheLocalEngineDoesWhenOneWorkerRunsIt() {
        ArrayDataSet train = blobs(600, 1, "train");
        ArrayDataSet test = blobs(150, 2, "test");
        LrFinder.Config config = LrFinder.Config.builder().steps(30).batchSize(32).seed(5).build();
        jobDescriptions.clear();

        LrFindResult spark = new SparkEngine(SparkDataTrainingTest.spark, config(1)).findLearningRate(
                TrainingInput.of(SparkData.fromDataSets(dataSets(train, 25, 4), dataSets(test, 50, 2), CLASSES)),
                ModelSource.of(mlp()), config);
        NativeRuntime.configure(new NativeSettings(1, false));
        LrFindResult local = new LocalEngine(training()).findLearningRate(TrainingInput.of(new TrainTestData(train,
                test, Normalizer.none(), SplitSpec.provided())), ModelSource.of(mlp()), config);

        assertEquals(1, spark.workerCurves().size());
        assertEquals(List.of(), local.workerCurves(), "one JVM: no workers' curves");
        assertEquals(600, spark.facts().trainSize());
        assertEquals(150, spark.facts().testSize());
        LrCurve expected = local.curve();
        assertEquals(expected.steps(), spark.curve().steps());
        for (int i = 0; i < expected.steps(); i++) {
            assertEquals(expected.losses()[i], spark.curve().losses()[i], 1e-5 * Math.max(1, expected.losses()[i]),
                    "step " + i);
        }
        assertEquals(2, jobDescriptions.stream().filter(d -> d.startsWith("averon: validate")).count(),
                "the input validated once (a job for each part), not again for the model: " + jobDescriptions);
    }

    @Test
    void shouldRefuseBeforeAnyJobWhenTheDriversSplitUsedAnotherSeedThanTraining(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws java.io.IOException {
        StringBuilder csv = new StringBuilder("a,b,label\n");
        Random random = new Random(1);
        for (int i = 0; i < 200; i++) {
            csv.append(random.nextGaussian()).append(',').append(random.nextGaussian()).append(',')
                    .append(CLASSES.get(i % 3)).append('\n');
        }
        java.nio.file.Path file = java.nio.file.Files.writeString(tmp.resolve("blobs.csv"), csv);
        io.averon.core.data.DataSpec spec = io.averon.core.data.DataSpec.builder(file.toString()).build();
        io.averon.core.data.TrainTestData otherSeed = io.averon.core.data.DataSources.loadForTraining(spec, 6);
        AveronModel model = ModelFactory.create(ModelSpec.parse("mlp"), new int[] {2}, 3, UpdaterSpec.adam(0.01), 5);
        jobDescriptions.clear();

        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> trainer(2).fit(spec, otherSeed, model, null, null, new SparkTrainer.EpochListener() { }));

        assertTrue(e.getMessage().startsWith("the data was split with seed 6, but training uses seed 5"), e.getMessage());
        assertEquals(List.of(), jobDescriptions, "refused before any Spark job");
    }

    @Test
    void shouldNameTheBadRecordBeforeAnyTrainingJobWhenTheInputIsWrong() {
        ArrayDataSet train = blobs(100, 5, "train");
        ArrayDataSet test = blobs(30, 6, "test");
        jobDescriptions.clear();

        List<Row> bad = new ArrayList<>(rows(train, 1).collectAsList());
        bad.set(17, RowFactory.create(17, bad.get(17).get(1), "zebra"));
        Dataset<Row> badRows = spark.createDataFrame(bad, rows(train, 1).schema()).coalesce(1);
        InvalidInputException label = assertThrows(InvalidInputException.class, () -> fit(2,
                SparkData.fromRows(badRows, rows(test, 1), "features", "label", CLASSES), mlp()));
        assertEquals("train row 17 of partition 0: label 'zebra' is not one of [red, green, blue]", label.getMessage());

        DataSet twoColumns = new DataSet(Nd4j.rand(4, FEATURES), Nd4j.create(new float[][] {{1, 0}, {0, 1}, {1, 0},
                {0, 1}}));
        InvalidInputException columns = assertThrows(InvalidInputException.class, () -> fit(2,
                SparkData.fromDataSets(sc.parallelize(List.of(twoColumns), 1), dataSets(test, 10, 1), CLASSES), mlp()));
        assertEquals("train DataSet 0 of partition 0: has 2 label columns for 3 classes", columns.getMessage());

        InvalidInputException width = assertThrows(InvalidInputException.class, () -> fit(2,
                SparkData.fromDataSets(sc.parallelize(List.of(new DataSet(Nd4j.rand(4, 5), Nd4j.create(new float[][] {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {1, 0, 0}}))), 1),
                        sc.parallelize(List.of(new DataSet(Nd4j.rand(1, 5), Nd4j.create(new float[][] {{0, 1, 0}}))), 1),
                        CLASSES), mlp()));
        assertTrue(width.getMessage().startsWith("model the model does not accept examples of shape [5] from spark: train DataSets"), width.getMessage());

        InvalidInputException shapes = assertThrows(InvalidInputException.class, () -> fit(2,
                SparkData.fromDataSets(dataSets(train, 10, 2), sc.parallelize(List.of(new DataSet(Nd4j.rand(1, 5),
                        Nd4j.create(new float[][] {{0, 1, 0}}))), 1), CLASSES), mlp()));
        assertEquals("the training examples have shape [6], the test examples [5]: both need one shape",
                shapes.getMessage());

        InvalidInputException empty = assertThrows(InvalidInputException.class, () -> fit(2,
                SparkData.fromDataSets(dataSets(train, 10, 2), sc.emptyRDD(), CLASSES), mlp()));
        assertEquals("the test input is empty", empty.getMessage());

        InvalidInputException few = assertThrows(InvalidInputException.class, () -> fit(2,
                SparkData.fromDataSets(dataSets(blobs(1, 7, "one"), 1, 1), dataSets(test, 10, 1), CLASSES), mlp()));
        assertTrue(few.getMessage().startsWith("only 1 training examples for 2 workers"), few.getMessage());

        InvalidInputException slots = assertThrows(InvalidInputException.class, () -> fit(3,
                SparkData.fromDataSets(dataSets(train, 10, 2), dataSets(test, 10, 1), CLASSES), mlp()));
        assertTrue(slots.getMessage().startsWith("training needs 3 task slots at once"), slots.getMessage());

        assertTrue(jobDescriptions.stream().anyMatch(d -> d.startsWith("averon: validate")), jobDescriptions.toString());
        assertTrue(jobDescriptions.stream().noneMatch(d -> d.startsWith("averon train")),
                "no training job started: " + jobDescriptions);
    }
}
