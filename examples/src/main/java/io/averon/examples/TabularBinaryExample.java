package io.averon.examples;

import io.averon.core.AveronException;
import io.averon.core.data.ArrayDataSet;
import io.averon.core.data.DataSources;
import io.averon.core.data.DataSpec;
import io.averon.core.data.TrainTestData;
import io.averon.core.model.AveronModel;
import io.averon.core.report.RunReport;
import io.averon.core.train.TrainingConfig;
import io.averon.driver.run.Trained;
import io.averon.driver.data.TrainingInput;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * The classic tabular lesson: will an applicant be admitted, from a test score (gre), a grade
 * average (gpa) and the rank of their school? The data is a CSV file, read the way {@code averon
 * train --data admissions.csv --label admit} reads it: a seeded random validation split, the
 * features standardised with the statistics of the training split only (the validation rows must
 * not leak into training), and the file read by every Spark executor itself.
 *
 * <p>The lesson's point is the comparison: a classifier is only as good as its margin over
 * always answering the most common class.
 */
public final class TabularBinaryExample implements Example {

    @Override
    public String name() {
        return "tabular-binary";
    }

    @Override
    public String summary() {
        return "Admissions CSV (gre, gpa, rank -> admit): a small classifier against the majority-class baseline";
    }

    @Override
    public Outcome run(ExampleContext context) {
        // 1. The data: a CSV in the output directory. The admissions follow a logistic model of the
        //    three features, and each decision is a coin flip with that probability: even a perfect
        //    model cannot be right every time.
        Path csv = context.out().resolve("admissions.csv");
        int rows = context.count(4_000, 600);
        writeAdmissions(csv, rows, context.seed());
        context.print("wrote %d applicants to %s", rows, csv);

        // 2. Read it as the CLI does: label column 'admit' (classes "0" and "1"), 20% held out by a
        //    seeded random split, standardisation fitted on the training rows only.
        DataSpec spec = DataSpec.builder(csv.toString()).labelColumn("admit").validationSplit(0.2).build();
        TrainTestData data = DataSources.loadForTraining(spec, context.seed());
        ArrayDataSet train = data.train();
        ArrayDataSet test = data.test();
        context.print("%d training / %d validation rows, classes %s, features standardised with the training "
                + "split's mean and std", train.size(), test.size(), train.classNames());

        // 3. The baseline every classifier must beat: always predict the class most common in the
        //    training split, scored on the same validation rows the model will be scored on.
        int majority = majorityClass(train);
        double baseline = share(test, majority);
        context.print("majority-class baseline: always '%s' -> accuracy %.4f", train.classNames().get(majority),
                baseline);

        // 4. The model: one hidden layer of sigmoid units (as in the classic lesson), then a
        //    two-way softmax with cross-entropy.
        long seed = context.seed();
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.FLOAT)
                .updater(new Adam(0.01))
                .list()
                .layer(new DenseLayer.Builder().nIn(train.featureLength()).nOut(16)
                        .activation(Activation.SIGMOID).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(2)
                        .activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();

        // 5. Train on Spark. The executors read the CSV themselves and make the same split: they
        //    split with the training seed, so it must be the seed the split above used.
        TrainingConfig training = TrainingConfig.builder()
                .epochs(context.epochs(20, 20))
                .batchSize(32)
                .seed(seed)
                .build();
        Trained result = context.fit(context.trainer(training), TrainingInput.of(spec), AveronModel.of(net),
                "admissions");
        double accuracy = result.training().finalMetrics().accuracy();
        context.print("validation accuracy %.4f vs. majority baseline %.4f: %+.1f points", accuracy, baseline,
                100 * (accuracy - baseline));

        Map<String, Object> config = new LinkedHashMap<>();
        config.put("data", csv.getFileName() + " (" + rows + " rows: gre, gpa, rank -> admit)");
        config.put("split", "random, 20% validation, seed " + seed);
        config.put("normalisation", "standardised with the training split's statistics");
        config.put("model", "3 -> 16 sigmoid -> softmax(2)");
        config.put("optimizer", "Adam, learning rate 0.01");
        config.put("epochs", training.epochs());
        config.put("batch size", training.batchSize());
        config.put("workers", result.workers());
        context.writeReport(RunReport.builder("Admissions: a tabular classifier against its baseline")
                .config(config)
                .note(String.format(Locale.ROOT, "Validation accuracy %.4f; always answering '%s' (the majority "
                                + "class of the training split) scores %.4f on the same rows.", accuracy,
                        train.classNames().get(majority), baseline))
                .epochs(result.training().epochs())
                .finalMetrics(result.training().finalMetrics()));

        Map<String, Double> figures = new LinkedHashMap<>();
        figures.put("test_accuracy", accuracy);
        figures.put("baseline_accuracy", baseline);
        figures.put("gain", accuracy - baseline);
        return new Outcome(name(), figures);
    }

    /**
     * Writes {@code rows} applicants: gre (200-800, steps of 10), gpa (2.00-4.00), rank (1 = the
     * most selective schools ... 4) and admit, drawn with probability
     * {@code sigmoid(-1 + 1.8·z(gre) + 1.5·z(gpa) - 0.8·(rank - 2.5))}.
     */
    static void writeAdmissions(Path file, int rows, long seed) {
        Random random = new Random(seed);
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            out.write("gre,gpa,rank,admit\n");
            for (int i = 0; i < rows; i++) {
                double talent = random.nextGaussian(); // gre and gpa are correlated through it
                double gre = clamp(Math.round((580 + 115 * (0.6 * talent + 0.8 * random.nextGaussian())) / 10.0) * 10,
                        200, 800);
                double gpa = clamp(Math.round((3.4 + 0.38 * (0.6 * talent + 0.8 * random.nextGaussian())) * 100) / 100.0,
                        2.0, 4.0);
                double u = random.nextDouble(); // 15% rank 1, 38% rank 2, 31% rank 3, 16% rank 4
                int rank = u < 0.15 ? 1 : u < 0.53 ? 2 : u < 0.84 ? 3 : 4;
                double logit = -1 + 1.8 * (gre - 580) / 115 + 1.5 * (gpa - 3.4) / 0.38 - 0.8 * (rank - 2.5);
                int admit = random.nextDouble() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
                out.write(String.format(Locale.ROOT, "%.0f,%.2f,%d,%d%n", gre, gpa, rank, admit));
            }
        } catch (IOException e) {
            throw new AveronException(file + ": cannot write (" + e.getMessage() + ")", e);
        }
    }

    private static double clamp(double v, double lo, double hi) {
        return Math.max(lo, Math.min(hi, v));
    }

    /** The class with the most examples (the lowest index on a tie). */
    static int majorityClass(ArrayDataSet data) {
        int[] counts = new int[data.classes().numClasses()];
        for (int c : data.classes().values()) {
            counts[c]++;
        }
        int best = 0;
        for (int c = 1; c < counts.length; c++) {
            if (counts[c] > counts[best]) {
                best = c;
            }
        }
        return best;
    }

    /** The fraction of {@code data}'s examples of class {@code c}: the accuracy of always answering c. */
    static double share(ArrayDataSet data, int c) {
        long hits = java.util.Arrays.stream(data.classes().values()).filter(v -> v == c).count();
        return (double) hits / data.size();
    }
}
