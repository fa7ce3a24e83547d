package io.averon.driver.ml;

import io.averon.driver.cli.MiniHdfs;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link AveronClassifier} as a Spark ML stage: in a pipeline after Spark's own feature stages,
 * evaluated by Spark's evaluators (and agreeing with Averon's own evaluation of the same model
 * file), saved to and loaded from HDFS, and scoring rows it cannot score with a reason.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class AveronPipelineTest {

    @TempDir
    static Path tmp;

    static SparkSession spark;
    static MiniDFSCluster hdfs;

    @BeforeAll
    static void start() throws IOException {
        spark = MlData.spark("averon-ml-pipeline-test");
        hdfs = MiniHdfs.start(tmp.resolve("hdfs"));
    }

    @AfterAll
    static void stop() {
        if (hdfs != null) {
            hdfs.shutdown(true);
        }
        spark.stop();
    }

    @Test
    void shouldFitEvaluateSaveAndLoadWhenAveronClassifierEndsAPipeline() throws IOException {
        Path csv = MlData.blobsCsv(tmp.resolve("blobs.csv"), 600, 3, 1);
        Dataset<Row> all = spark.read().option("header", "true").option("inferSchema", "true").csv(csv.toString());
        Dataset<Row>[] parts = all.randomSplit(new double[] {0.75, 0.25}, 7);
        Dataset<Row> train = parts[0];
        Dataset<Row> test = parts[1];
        AveronClassifier classifier = new AveronClassifier().setModel("mlp").setEpochs(3).setBatchSize(32)
                .setWorkers(2).setLearningRate(0.01).setSeed(3);
        Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {
                new StringIndexer().setInputCol("species").setOutputCol("label"),
                new VectorAssembler().setInputCols(new String[] {"a", "b", "c", "d"}).setOutputCol("raw"),
                new StandardScaler().setInputCol("raw").setOutputCol("features").setWithMean(true),
                classifier});

        PipelineModel fitted = pipeline.fit(train);
        Dataset<Row> predicted = fitted.transform(test).cache();

        AveronClassificationModel model = assertInstanceOf(AveronClassificationModel.class, fitted.stages()[3]);
        assertEquals(classifier, model.parent());
        assertEquals(3, model.numClasses());
        assertEquals(3, model.getEpochs(), "the estimator's params are copied to the model");
        TrainingSummary summary = model.summary();
        assertEquals(3, summary.epochs().size());
        assertEquals(2, summary.workers());
        assertTrue(summary.epochs().get(2).validationMetric() > 0.9, summary.toString());
        assertTrue(summary.epochs().get(2).trainLoss() < summary.epochs().get(0).trainLoss(), summary.toString());
        List<String> columns = List.of(predicted.columns());
        assertEquals(List.of("id", "a", "b", "c", "d", "species", "label", "raw", "features", "prediction",
                "probability", "rawPrediction", "error"), columns, "every input column kept, outputs appended");
        assertEquals(0, predicted.filter("error is not null").count());
        Row first = predicted.first();
        Vector p = first.getAs("probability");
        Vector raw = first.getAs("rawPrediction");
        assertEquals(1.0, p.toArray()[0] + p.toArray()[1] + p.toArray()[2], 1e-5, "softmax output");
        assertEquals(Math.log(p.apply(1)), raw.apply(1), 1e-9, "log-probabilities");
        assertEquals(p.argmax(), (int) first.getDouble(first.fieldIndex("prediction")));

        double accuracy = new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(predicted);
        assertTrue(accuracy > 0.9, "separable blobs are learned: accuracy " + accuracy);

        String saved = hdfs.getURI() + "/models/blobs";
        fitted.write().save(saved);
        FileSystem fs = hdfs.getFileSystem();
        String stageDir = "/models/blobs/stages/3_" + model.uid();
        assertTrue(fs.exists(new org.apache.hadoop.fs.Path(stageDir + "/metadata")), "Spark ML's metadata");
        assertTrue(fs.exists(new org.apache.hadoop.fs.Path(stageDir + "/model.zip")), "Averon's model file");

        // `averon evaluate` on the saved stage's model file and the same preprocessed test rows
        Path preprocessed = writeCsv(tmp.resolve("test-preprocessed.csv"), predicted, model.classNames());
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        int exit = io.averon.driver.cli.AveronCli.run(new java.io.PrintWriter(out, true), new java.io.PrintWriter(err, true),
                "evaluate", "--model", hdfs.getURI() + stageDir + "/model.zip", "--data", preprocessed.toString(), "--header",
                "--json");
        assertEquals(0, exit, err.toString());
        double averonAccuracy = new com.fasterxml.jackson.databind.ObjectMapper().readTree(out.toString())
                .path("test_accuracy").asDouble(Double.NaN);
        assertEquals(accuracy, averonAccuracy, 1e-12, "Spark's evaluator and averon evaluate agree");

        PipelineModel loaded = PipelineModel.load(saved);
        AveronClassificationModel loadedModel = assertInstanceOf(AveronClassificationModel.class, loaded.stages()[3]);
        assertEquals(model.uid(), loadedModel.uid());
        assertEquals(model.classNames(), loadedModel.classNames());
        assertEquals(3, loadedModel.getEpochs());
        Map<Integer, Row> before = byId(predicted);
        Map<Integer, Row> after = byId(loaded.transform(test));
        assertEquals(before.keySet(), after.keySet());
        for (Map.Entry<Integer, Row> e : before.entrySet()) {
            Row a = e.getValue();
            Row b = after.get(e.getKey());
            assertEquals(a.<Double>getAs("prediction"), b.<Double>getAs("prediction"), "row " + e.getKey());
            assertArrayEquals(a.<Vector>getAs("probability").toArray(), b.<Vector>getAs("probability").toArray(),
                    "row " + e.getKey());
        }
        predicted.unpersist();
    }

    @Test
    void shouldGiveBinaryEvaluatorItsRawPredictionWhenThereAreTwoClasses() throws IOException {
        Path csv = MlData.blobsCsv(tmp.resolve("two.csv"), 300, 2, 2);
        Dataset<Row> all = spark.read().option("header", "true").option("inferSchema", "true").csv(csv.toString());
        Dataset<Row> indexed = new StringIndexer().setInputCol("species").setOutputCol("label").fit(all).transform(all);
        Dataset<Row> rows = new VectorAssembler().setInputCols(new String[] {"a", "c"}).setOutputCol("features")
                .transform(indexed);
        Dataset<Row>[] parts = rows.randomSplit(new double[] {0.7, 0.3}, 5);

        AveronClassificationModel model = new AveronClassifier().setModel("logistic").setEpochs(3).setBatchSize(16)
                .setWorkers(1).setLearningRate(0.05).fit(parts[0]);
        Dataset<Row> scored = model.transform(parts[1]);

        assertEquals(2, model.numClasses());
        double auc = new BinaryClassificationEvaluator().setMetricName("areaUnderROC").evaluate(scored);
        assertTrue(auc > 0.95, "areaUnderROC " + auc);
        assertEquals(0, scored.filter("error is not null").count());
    }

    @Test
    void shouldScoreTheOtherRowsAndNameTheProblemWhenSomeRowsCannotBeScored() {
        StructType schema = new StructType().add("key", DataTypes.StringType)
                .add("x", DataTypes.createArrayType(DataTypes.DoubleType, true)).add("y", DataTypes.DoubleType);
        Random random = new Random(4);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            int k = i % 2;
            rows.add(RowFactory.create("r" + i, List.of(random.nextGaussian() + 3 * k, random.nextGaussian(),
                    random.nextGaussian() - 3 * k), (double) k));
        }
        Dataset<Row> train = spark.createDataFrame(rows, schema);
        AveronClassificationModel model = new AveronClassifier().setFeaturesCol("x").setLabelCol("y")
                .setModel("logistic").setEpochs(2).setBatchSize(16).setWorkers(1).setLearningRate(0.05).fit(train);
        assertEquals(List.of("0", "1"), model.classNames(), "no label metadata: the indices found in the data");

        List<Row> mixed = new ArrayList<>(rows.subList(0, 10));
        mixed.add(RowFactory.create("short", List.of(1.0, 2.0), 0.0));
        mixed.add(RowFactory.create("missing", null, 0.0));
        mixed.add(RowFactory.create("hole", java.util.Arrays.asList(1.0, null, 2.0), 0.0));
        mixed.add(RowFactory.create("nan", List.of(1.0, Double.NaN, 2.0), 0.0));
        Dataset<Row> scored = model.transform(spark.createDataFrame(mixed, schema).repartition(2));

        Map<String, Row> byKey = new HashMap<>();
        scored.collectAsList().forEach(r -> byKey.put(r.getString(0), r));
        assertEquals(14, byKey.size());
        assertEquals("features have 2 values; the model takes 3 (shape [3])", byKey.get("short").getAs("error"));
        assertEquals("features are null", byKey.get("missing").getAs("error"));
        assertEquals("features have a null at position 1", byKey.get("hole").getAs("error"));
        assertEquals("features have a non-finite value (NaN) at position 1", byKey.get("nan").getAs("error"));
        for (String bad : List.of("short", "missing", "hole", "nan")) {
            Row r = byKey.get(bad);
            assertTrue(r.isNullAt(r.fieldIndex("prediction")) && r.isNullAt(r.fieldIndex("probability"))
                    && r.isNullAt(r.fieldIndex("rawPrediction")), bad);
        }
        for (int i = 0; i < 10; i++) {
            Row r = byKey.get("r" + i);
            assertNull(r.getAs("error"));
            assertNotNull(r.getAs("prediction"));
        }

        StructType clash = schema.add("prediction", DataTypes.DoubleType);
        io.averon.core.InvalidInputException e = assertThrows(io.averon.core.InvalidInputException.class,
                () -> model.transformSchema(clash));
        assertEquals("predictionCol 'prediction': the input already has this column, or another output is named so; "
                + "rename or drop it", e.getMessage());
    }

    @Test
    void shouldScoreAStreamAndRefuseATamperedFileWhenTheModelIsSavedAlone() throws Exception {
        StructType schema = new StructType().add("id", DataTypes.IntegerType)
                .add("x", DataTypes.createArrayType(DataTypes.FloatType, false)).add("label", DataTypes.DoubleType);
        Random random = new Random(8);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 160; i++) {
            int k = i % 2;
            rows.add(RowFactory.create(i, new float[] {(float) (random.nextGaussian() + 3 * k),
                    (float) random.nextGaussian()}, (double) k));
        }
        Dataset<Row> data = spark.createDataFrame(rows, schema);
        AveronClassificationModel model = new AveronClassifier().setFeaturesCol("x").setModel("logistic")
                .setEpochs(2).setBatchSize(16).setWorkers(1).setLearningRate(0.05).fit(data);
        Path saved = tmp.resolve("alone");
        model.write().save(saved.toString());

        AveronClassificationModel loaded = AveronClassificationModel.load(saved.toString());
        Path input = tmp.resolve("stream-in");
        data.repartition(3).write().parquet(input.toString());
        Dataset<Row> stream = spark.readStream().schema(schema).parquet(input.toString());
        org.apache.spark.sql.streaming.StreamingQuery query = loaded.transform(stream).writeStream()
                .format("memory").queryName("averon_scored").outputMode("append").start();
        try {
            query.processAllAvailable();
        } finally {
            query.stop();
        }
        Map<Integer, Row> streamed = byId(spark.table("averon_scored"));
        Map<Integer, Row> batch = byId(model.transform(data));
        assertEquals(160, streamed.size(), "every streamed row scored");
        assertEquals(batch.keySet(), streamed.keySet());
        batch.forEach((id, r) -> assertEquals(r.<Double>getAs("prediction"), streamed.get(id).<Double>getAs("prediction"),
                "row " + id));

        Path zip = saved.resolve("model.zip");
        byte[] bytes = Files.readAllBytes(zip);
        bytes[bytes.length / 2] ^= 0x21;
        Files.write(zip, bytes);
        io.averon.core.InvalidInputException tampered = assertThrows(io.averon.core.InvalidInputException.class,
                () -> AveronClassificationModel.load(saved.toString()));
        assertTrue(tampered.getMessage().contains("model.zip"), tampered.getMessage());
    }

    private static Map<Integer, Row> byId(Dataset<Row> rows) {
        Map<Integer, Row> out = new HashMap<>();
        for (Row r : rows.select("id", "prediction", "probability").collectAsList()) {
            out.put(r.getInt(0), r);
        }
        return out;
    }

    /** The scaled features and the class name of each row, as a CSV Averon reads. */
    private static Path writeCsv(Path file, Dataset<Row> rows, List<String> classNames) throws IOException {
        StringBuilder csv = new StringBuilder("f0,f1,f2,f3,label\n");
        for (Row r : rows.select(org.apache.spark.ml.functions.vector_to_array(functions.col("features"), "float32"),
                functions.col("label")).collectAsList()) {
            List<Float> x = r.getList(0);
            for (Float v : x) {
                csv.append(Float.toString(v)).append(',');
            }
            csv.append(classNames.get((int) r.getDouble(1))).append('\n');
        }
        Files.writeString(file, csv, StandardCharsets.UTF_8);
        return file;
    }
}
