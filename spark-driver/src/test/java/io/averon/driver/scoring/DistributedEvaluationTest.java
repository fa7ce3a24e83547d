package io.averon.driver.scoring;

import io.averon.core.artifact.Manifest;
import io.averon.core.artifact.ModelArtifact;
import io.averon.core.data.DataSources;
import io.averon.core.data.DataSpec;
import io.averon.core.data.SplitSpec;
import io.averon.core.train.EvaluationResult;
import io.averon.core.train.Evaluator;
import io.averon.driver.cli.AveronCli;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@link SparkEvaluation#evaluate}: partitions evaluated in executors, merged on the driver, equal to one process. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class DistributedEvaluationTest {

    @TempDir
    Path tmp;

    @Test
    void shouldEqualSingleProcessEvaluationWhenThreePartitionsAreMerged() throws Exception {
        Random random = new Random(3);
        StringBuilder csv = new StringBuilder("a,b,c,label\n");
        for (int i = 0; i < 700; i++) {
            int label = random.nextInt(3);
            csv.append(String.format(Locale.ROOT, "%.4f,%.4f,%.4f,k%d%n", random.nextGaussian() + (label == 0 ? 1 : 0),
                    random.nextGaussian() + (label == 1 ? 1 : 0), random.nextGaussian() + (label == 2 ? 1 : 0), label));
        }
        Path data = tmp.resolve("data.csv");
        Files.writeString(data, csv, StandardCharsets.UTF_8);
        Path out = tmp.resolve("run");
        int code = AveronCli.run(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()), "train",
                "--engine", "local", "--data", data.toString(), "--model", "mlp", "--epochs", "2", "--out",
                out.toString(), "--no-progress");
        assertEquals(0, code);
        ModelArtifact artifact = ModelArtifact.read(out.resolve("model.zip"));
        Manifest m = artifact.manifest();
        DataSpec spec = DataSpec.builder(data.toString()).build();
        EvaluationResult expected = Evaluator.evaluate(artifact.model(),
                DataSources.loadForEvaluation(spec, m.classNames(), m.inputShape(), m.normalizer(), m.split()));

        SparkConf conf = new SparkConf().setMaster("local[2]").setAppName("averon-eval-test")
                .set("spark.ui.enabled", "false");
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            EvaluationResult actual = SparkEvaluation.evaluate(sc, artifact, spec, 3);
            assertEquals(SplitSpec.Kind.RANDOM, m.split().kind());
            assertEquals(expected.count(), actual.count(), "every held-out example evaluated exactly once");
            assertEquals(140, actual.count());
            assertEquals(expected.accuracy(), actual.accuracy(), 0.0);
            assertEquals(expected.loss(), actual.loss(), 1e-9);
            long[][] confusion = actual.classification().confusionMatrix();
            for (int c = 0; c < confusion.length; c++) {
                assertArrayEquals(expected.classification().confusionMatrix()[c], confusion[c]);
            }
        }
    }
}
