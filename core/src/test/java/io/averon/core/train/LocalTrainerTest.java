package io.averon.core.train;

import io.averon.core.AveronException;
import io.averon.core.data.ArrayDataSet;
import io.averon.core.data.Labels;
import io.averon.core.model.AveronModel;
import io.averon.core.model.LrSchedule;
import io.averon.core.model.ModelFactory;
import io.averon.core.model.ModelSpec;
import io.averon.core.model.Optimizer;
import io.averon.core.model.UpdaterSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class LocalTrainerTest {

    private static final List<String> CLASSES = List.of("a", "b", "c");
    private static final UpdaterSpec ADAM = UpdaterSpec.adam(0.05);

    /**
     * Three Gaussian blobs in 4 dimensions (class c centred at 3 on axis c, standard deviation
     * {@code sigma}): with sigma 0.7 linearly separable up to rare outliers, with 1.5 overlapping.
     */
    static ArrayDataSet blobs(String name, int n, long seed, double sigma) {
        Random random = new Random(seed);
        float[] x = new float[n * 4];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            int c = random.nextInt(3);
            y[i] = c;
            for (int j = 0; j < 4; j++) {
                x[i * 4 + j] = (float) (random.nextGaussian() * sigma + (j == c ? 3 : 0));
            }
        }
        return new ArrayDataSet(name, new int[] {4}, x, new Labels.Classes(y, CLASSES));
    }

    private static final ArrayDataSet TRAIN = blobs("train", 480, 1, 0.7);
    private static final ArrayDataSet TEST = blobs("test", 120, 2, 0.7);

    private static AveronModel model(String preset, UpdaterSpec updater, long seed, ArrayDataSet data) {
        int outputs = data.isClassification() ? data.classes().numClasses() : 1;
        return ModelFactory.create(ModelSpec.parse(preset), data.exampleShape(), outputs, updater, seed);
    }

    private static TrainingConfig config(int epochs, int batch, long seed, int patience) {
        return TrainingConfig.builder().epochs(epochs).batchSize(batch).seed(seed)
                .earlyStoppingPatience(patience).build();
    }

    private static float[] params(AveronModel model) {
        return model.params().dup().data().asFloat();
    }

    private static int[] bits(float[] values) {
        int[] out = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = Float.floatToRawIntBits(values[i]);
        }
        return out;
    }

    @Test
    void shouldExceedNinetyPercentTestAccuracyWhenLogisticTrainsOnSeparableBlobs() {
        AveronModel model = model("logistic", ADAM, 3, TRAIN);

        TrainingResult result = new LocalTrainer(config(3, 32, 3, 0)).fit(model, TRAIN, TEST, TrainingListener.NONE);

        assertTrue(result.finalMetrics().accuracy() > 0.9, "accuracy " + result.finalMetrics().accuracy());
        assertEquals(120, result.finalMetrics().count());
        assertEquals(3, result.epochs().size());
        assertEquals(3, result.bestEpoch());
        assertFalse(result.stoppedEarly());
        assertTrue(result.epochs().get(2).trainLoss() < result.epochs().get(0).trainLoss(), "loss goes down");
        assertTrue(result.epochs().get(2).train().accuracy() > 0.9, "train accuracy on the fixed sample");
    }

    @Test
    void shouldKeepDl4jsEpochAndIterationCountsInTheSavedConfiguration() {
        AveronModel model = model("logistic", ADAM, 3, TRAIN);

        new LocalTrainer(config(3, 32, 3, 0)).fit(model, TRAIN, TEST, TrainingListener.NONE);

        // what model.zip stores: DL4J's iteration-based schedules and continued training read these
        org.deeplearning4j.nn.conf.MultiLayerConfiguration saved =
                org.deeplearning4j.nn.conf.MultiLayerConfiguration.fromJson(model.configurationJson());
        assertEquals(3, saved.getEpochCount(), "epochs completed");
        assertEquals(3 * 480 / 32, saved.getIterationCount(), "minibatch steps taken: 15 per epoch");
    }

    @Test
    void shouldExceedNinetyPercentTestAccuracyWhenMlpTrainsOnSeparableBlobs() {
        AveronModel model = model("mlp", ADAM, 3, TRAIN);

        TrainingResult result = new LocalTrainer(config(3, 32, 3, 0)).fit(model, TRAIN, TEST, TrainingListener.NONE);

        assertTrue(result.finalMetrics().accuracy() > 0.9, "accuracy " + result.finalMetrics().accuracy());
    }

    @Test
    void shouldGiveBitIdenticalParametersWhenSeedIsSameAndOthersWhenSeedDiffers() {
        float[] first = train("mlp", 5);
        float[] second = train("mlp", 5);
        float[] other = train("mlp", 6);

        assertArrayEquals(bits(first), bits(second), "same seed, same parameters, bit for bit");
        assertFalse(java.util.Arrays.equals(bits(first), bits(other)), "another seed, other parameters");
    }

    @Test
    void shouldShuffleDifferentlyWhenOnlyTheTrainingSeedDiffers() {
        // Same initial weights (model seed 9), only the trainer's shuffling seed differs.
        AveronModel a = model("logistic", ADAM, 9, TRAIN);
        AveronModel b = model("logistic", ADAM, 9, TRAIN);
        assertArrayEquals(bits(params(a)), bits(params(b)));

        new LocalTrainer(config(1, 32, 1, 0)).fit(a, TRAIN, TEST, TrainingListener.NONE);
        new LocalTrainer(config(1, 32, 2, 0)).fit(b, TRAIN, TEST, TrainingListener.NONE);

        assertFalse(java.util.Arrays.equals(bits(params(a)), bits(params(b))));
    }

    private static float[] train(String preset, long seed) {
        AveronModel model = model(preset, ADAM, seed, TRAIN);
        new LocalTrainer(config(2, 50, seed, 0)).fit(model, TRAIN, TEST, TrainingListener.NONE);
        return params(model);
    }

    @Test
    void shouldEmitEventsInOrderWhenTraining() {
        List<String> events = new ArrayList<>();
        TrainingListener listener = new TrainingListener() {
            @Override
            public void onTrainingStart(int epochs, int batchesPerEpoch, long trainExamples) {
                events.add("start " + epochs + " " + batchesPerEpoch + " " + trainExamples);
            }

            @Override
            public void onBatchEnd(int epoch, int batch, int batchesPerEpoch, double loss) {
                assertTrue(Double.isFinite(loss));
                events.add("batch " + epoch + "." + batch + "/" + batchesPerEpoch);
            }

            @Override
            public void onEpochEnd(EpochRecord record) {
                events.add("epoch " + record.epoch());
            }

            @Override
            public void onTrainingEnd(TrainingResult result) {
                events.add("end " + result.epochs().size());
            }
        };

        new LocalTrainer(config(3, 100, 4, 0)).fit(model("logistic", ADAM, 4, TRAIN), TRAIN, TEST, listener);

        List<String> expected = new ArrayList<>();
        expected.add("start 3 5 480");
        for (int epoch = 1; epoch <= 3; epoch++) {
            for (int batch = 1; batch <= 5; batch++) {
                expected.add("batch " + epoch + "." + batch + "/5");
            }
            expected.add("epoch " + epoch);
        }
        expected.add("end 3");
        assertEquals(expected, events);
        assertEquals(3 * 5, events.stream().filter(e -> e.startsWith("batch")).count());
    }

    @Test
    void shouldStopEarlyAndRestoreTheBestEpochWhenAccuracyGetsWorse() {
        // Overlapping blobs and plain SGD at rate 5 with unnormalised inputs: the boundary overshoots,
        // test accuracy rises for an epoch, then drops (0.79, 0.85, 0.78 with these seeds).
        ArrayDataSet train = blobs("noisy", 480, 1, 1.5);
        ArrayDataSet test = blobs("noisy-test", 120, 2, 1.5);
        UpdaterSpec wild = new UpdaterSpec(Optimizer.SGD, 5, LrSchedule.CONSTANT, 1.0, 1, 1);
        AveronModel model = model("logistic", wild, 5, train);
        List<EpochRecord> seen = new ArrayList<>();
        TrainingListener listener = new TrainingListener() {
            @Override
            public void onEpochEnd(EpochRecord record) {
                seen.add(record);
            }
        };

        TrainingResult result = new LocalTrainer(config(20, 64, 5, 1)).fit(model, train, test, listener);

        List<EpochRecord> epochs = result.epochs();
        assertEquals(seen, epochs);
        assertTrue(result.stoppedEarly(), "stopped early: " + accuracies(epochs));
        assertTrue(epochs.size() < 20);
        EpochRecord last = epochs.get(epochs.size() - 1);
        EpochRecord best = epochs.get(result.bestEpoch() - 1);
        assertEquals(epochs.size() - 1, result.bestEpoch(), "patience 1: the epoch before the last was the best");
        assertTrue(last.test().accuracy() < best.test().accuracy(), "accuracy got worse: " + accuracies(epochs));
        for (EpochRecord r : epochs) {
            assertTrue(r.test().accuracy() <= best.test().accuracy(), "best is the maximum: " + accuracies(epochs));
        }
        assertEquals(best.test().accuracy(), result.finalMetrics().accuracy(), "final metrics are the best epoch's");
        assertEquals(best.test().loss(), result.finalMetrics().loss());
        assertNotEquals(last.test().loss(), result.finalMetrics().loss());
        EvaluationResult again = Evaluator.evaluate(model, test);
        assertEquals(best.test().accuracy(), again.accuracy(), "the model holds the best epoch's parameters");
        assertEquals(best.test().loss(), again.loss());
    }

    private static List<Double> accuracies(List<EpochRecord> epochs) {
        return epochs.stream().map(r -> r.test().accuracy()).toList();
    }

    @Test
    void shouldRunAllEpochsWhenEarlyStoppingIsOff() {
        UpdaterSpec wild = new UpdaterSpec(Optimizer.SGD, 20, LrSchedule.CONSTANT, 1.0, 1, 1);

        TrainingResult result = new LocalTrainer(config(4, 16, 5, 0))
                .fit(model("logistic", wild, 5, TRAIN), TRAIN, TEST, TrainingListener.NONE);

        assertEquals(4, result.epochs().size());
        assertEquals(4, result.bestEpoch());
        assertFalse(result.stoppedEarly());
        assertEquals(result.epochs().get(3).test(), result.finalMetrics());
    }

    /** y = 2x + 1 (+ optional offset of the inputs), x uniform in [-1, 1] around the offset. */
    private static ArrayDataSet line(String name, int n, long seed, float offset) {
        Random random = new Random(seed);
        float[] x = new float[n];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = offset + (float) (random.nextDouble() * 2 - 1);
            y[i] = 2 * x[i] + 1;
        }
        return new ArrayDataSet(name, new int[] {1}, x, new Labels.Targets(y));
    }

    @Test
    void shouldThrowDivergedWhenLearningRateIsFarTooHigh() {
        UpdaterSpec huge = new UpdaterSpec(Optimizer.SGD, 1e6, LrSchedule.CONSTANT, 1.0, 1, 1);
        ArrayDataSet train = line("far", 200, 1, 500);
        ArrayDataSet test = line("far-test", 20, 2, 500);
        AveronModel model = model("linear", huge, 1, train);

        AveronException e = assertThrows(AveronException.class,
                () -> new LocalTrainer(config(3, 20, 1, 0)).fit(model, train, test, TrainingListener.NONE));

        assertTrue(e.getMessage().contains("diverged"), e.getMessage());
        assertTrue(e.getMessage().contains("learning rate"), e.getMessage());
    }

    @Test
    void shouldFitTheLineWhenLinearRegressesYEquals2XPlus1() {
        ArrayDataSet train = line("line", 200, 1, 0);
        ArrayDataSet test = line("line-test", 50, 2, 0);
        UpdaterSpec sgd = new UpdaterSpec(Optimizer.SGD, 0.1, LrSchedule.CONSTANT, 1.0, 1, 1);
        AveronModel model = model("linear", sgd, 1, train);

        TrainingResult result = new LocalTrainer(config(20, 16, 1, 0)).fit(model, train, test, TrainingListener.NONE);

        assertFalse(result.finalMetrics().isClassification());
        double r2 = result.finalMetrics().regression().r2();
        assertTrue(r2 > 0.99, "R² " + r2);
        INDArray out = model.output(Nd4j.create(new float[] {0f, 1f}, new long[] {2, 1}, 'c'));
        assertEquals(1.0, out.getDouble(0, 0), 0.05, "intercept");
        assertEquals(3.0, out.getDouble(1, 0), 0.05, "2 * 1 + 1");
    }

    @Test
    void shouldCountEveryExampleWhenTheLastMinibatchIsPartial() {
        List<Integer> batchesSeen = new ArrayList<>();
        TrainingListener listener = new TrainingListener() {
            @Override
            public void onBatchEnd(int epoch, int batch, int batchesPerEpoch, double loss) {
                batchesSeen.add(batch);
            }
        };

        TrainingResult result = new LocalTrainer(config(2, 64, 3, 0))
                .fit(model("logistic", ADAM, 3, TRAIN), TRAIN, TEST, listener);

        assertEquals(List.of(1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8), batchesSeen, "480 = 7 x 64 + 32");
        for (EpochRecord record : result.epochs()) {
            assertEquals(480, record.examples());
        }
    }

    @Test
    void shouldTrainOnThePartialMinibatchWhenItIsTheOnlyOne() {
        // 5 examples, batch size 8: the epoch's single minibatch is partial. Skipping it would leave
        // the model untouched; using it gives exactly one SGD step on all 5 examples.
        ArrayDataSet train = line("five", 5, 3, 0);
        UpdaterSpec sgd = new UpdaterSpec(Optimizer.SGD, 0.1, LrSchedule.CONSTANT, 1.0, 1, 1);
        AveronModel trained = model("linear", sgd, 4, train);
        AveronModel manual = model("linear", sgd, 4, train);
        float[] initial = params(trained);

        TrainingResult result = new LocalTrainer(config(1, 8, 4, 0)).fit(trained, train, train, TrainingListener.NONE);

        assertEquals(5, result.epochs().get(0).examples());
        assertFalse(java.util.Arrays.equals(initial, params(trained)), "the partial minibatch was trained on");
        manual.fit(Nd4j.create(train.features(), new long[] {5, 1}, 'c'),
                Nd4j.create(((Labels.Targets) train.labels()).values(), new long[] {5, 1}, 'c'));
        assertArrayEquals(params(manual), params(trained), 1e-6f, "one step on the 5 examples (any order)");
    }
}
