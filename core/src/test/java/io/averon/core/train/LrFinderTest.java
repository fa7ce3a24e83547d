package io.averon.core.train;

import io.averon.core.data.ArrayDataSet;
import io.averon.core.model.AveronModel;
import io.averon.core.model.LrSchedule;
import io.averon.core.model.ModelFactory;
import io.averon.core.model.ModelSpec;
import io.averon.core.model.Optimizer;
import io.averon.core.model.UpdaterSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LrFinderTest {

    private static final ArrayDataSet TRAIN = LocalTrainerTest.blobs("train", 480, 1, 0.7);
    private static final ArrayDataSet TEST = LocalTrainerTest.blobs("test", 120, 2, 0.7);
    private static final LrFinder.Config CONFIG = LrFinder.Config.builder().batchSize(32).seed(5).build();

    private static AveronModel model(String preset, long seed) {
        return ModelFactory.create(ModelSpec.parse(preset), TRAIN.exampleShape(), 3, UpdaterSpec.adam(1e-3), seed);
    }

    private static int[] bits(AveronModel model) {
        float[] values = model.params().dup().data().asFloat();
        int[] out = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = Float.floatToRawIntBits(values[i]);
        }
        return out;
    }

    private static int argmin(double[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] < values[best]) {
                best = i;
            }
        }
        return best;
    }

    /** {@code y = 0.5 + x1 - 2 x2 + 3 x3 + noise} for standard normal {@code x}: least squares. */
    static ArrayDataSet line(String name, int n, long seed) {
        java.util.Random random = new java.util.Random(seed);
        float[] x = new float[n * 3];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            double sum = 0.5;
            for (int j = 0; j < 3; j++) {
                x[i * 3 + j] = (float) random.nextGaussian();
                sum += (j + 1) * x[i * 3 + j] * (j == 1 ? -1 : 1);
            }
            y[i] = (float) (sum + 0.1 * random.nextGaussian());
        }
        return new ArrayDataSet(name, new int[] {3}, x, new io.averon.core.data.Labels.Targets(y));
    }

    @Test
    void shouldGrowRatesExponentiallyFromStartToEndWhenPlanned() {
        double[] rates = CONFIG.rates();

        assertEquals(100, rates.length);
        assertEquals(1e-7, rates[0], 0.0);
        assertEquals(10, rates[99], 0.0);
        double ratio = Math.pow(1e8, 1.0 / 99);
        for (int i = 1; i < rates.length; i++) {
            assertEquals(ratio, rates[i] / rates[i - 1], 1e-9, "constant ratio at step " + i);
        }
    }

    @Test
    void shouldFallThenStopEarlyWhenTheLossDiverges() {
        // plain SGD on least squares diverges once the rate passes 2 / (the largest curvature)
        ArrayDataSet data = line("line", 400, 1);
        UpdaterSpec sgd = new UpdaterSpec(Optimizer.SGD, 0.01, LrSchedule.CONSTANT, 1, 1, 1);
        AveronModel model = ModelFactory.create(ModelSpec.parse("linear"), data.exampleShape(), 1, sgd, 3);

        LrFinder.Config config = LrFinder.Config.builder().startLr(1e-3).batchSize(32).seed(5).build();

        LrCurve curve = new LrFinder(config).run(model, data);

        assertEquals(LrCurve.Stop.DIVERGED, curve.stop(), () -> describe(curve));
        assertTrue(curve.steps() < 100, "stopped early, after " + curve.steps() + " steps");
        assertArrayEquals(Arrays.copyOf(config.rates(), curve.steps()), curve.learningRates(), "the planned rates");
        double[] smoothed = curve.smoothedLosses();
        int lowest = argmin(smoothed);
        assertTrue(lowest > 0 && lowest < curve.steps() - 1, "minimum inside the curve, at step " + lowest);
        assertTrue(smoothed[lowest] < 0.5 * smoothed[0], "the loss fell: " + smoothed[0] + " -> " + smoothed[lowest]);
        assertTrue(smoothed[curve.steps() - 1] > LrCurve.DIVERGENCE_FACTOR * smoothed[lowest],
                "the last step diverged: " + smoothed[curve.steps() - 1]);
        assertTrue(Arrays.stream(curve.losses()).allMatch(Double::isFinite), "no NaN or infinite loss recorded");
    }

    @Test
    void shouldSuggestARateThatTrainsBetterThanOneThousandTimesSmallerWhenTrainingWithLocalTrainer() {
        LrCurve curve = new LrFinder(CONFIG).run(model("mlp", 3), TRAIN);
        double suggested = curve.suggestedRate();

        assertTrue(suggested > CONFIG.startLr() && suggested < CONFIG.endLr(), "inside the range: " + suggested);
        assertTrue(suggested > curve.learningRates()[0] && suggested < curve.learningRates()[curve.steps() - 1],
                "strictly inside the rates tried: " + suggested);
        assertEquals(curve.learningRates()[curve.suggestedStep()], suggested, 0.0);
        int lowest = argmin(curve.smoothedLosses());
        assertTrue(curve.suggestedStep() < lowest, "on the descent to the lowest smoothed loss (step " + lowest + ")");
        double withSuggested = trainedTestLoss(suggested);
        double withSmaller = trainedTestLoss(suggested / 1000);
        assertTrue(withSuggested < withSmaller, "test loss after 3 epochs at " + suggested + ": " + withSuggested
                + ", at a rate 1000x smaller: " + withSmaller);
    }

    private static double trainedTestLoss(double rate) {
        UpdaterSpec adam = UpdaterSpec.adam(rate);
        AveronModel model = ModelFactory.create(ModelSpec.parse("mlp"), TRAIN.exampleShape(), 3, adam, 3);
        TrainingConfig config = TrainingConfig.builder().epochs(3).batchSize(32).seed(5).build();
        return new LocalTrainer(config).fit(model, TRAIN, TEST, TrainingListener.NONE).finalMetrics().loss();
    }

    @Test
    void shouldLeaveTheModelUnchangedWhenRunningTheTestOnIt() {
        AveronModel model = model("mlp", 3);
        int[] before = bits(model);
        String configuration = model.configurationJson();
        float[] updater = model.updaterState().dup().data().asFloat();

        new LrFinder(CONFIG).run(model, TRAIN);

        assertArrayEquals(before, bits(model), "parameters bit for bit");
        assertEquals(configuration, model.configurationJson(), "learning rate and schedule");
        assertArrayEquals(updater, model.updaterState().dup().data().asFloat(), "optimiser state");
    }

    @Test
    void shouldGiveTheSameCurveWhenRunTwiceWithOneSeed() {
        AveronModel model = model("mlp", 3);

        LrCurve first = new LrFinder(CONFIG).run(model, TRAIN);
        LrCurve second = new LrFinder(CONFIG).run(model, TRAIN);

        assertArrayEquals(first.losses(), second.losses(), "same order, same dropout");
        assertEquals(first.suggestedRate(), second.suggestedRate(), 0.0);
    }

    @Test
    void shouldAverageRawLossesUpToTheShortestCurveWhenCombiningWorkers() {
        double[] rates = LrFinder.Config.builder().steps(20).startLr(1e-4).endLr(1).build().rates();
        double[] a = new double[20];
        double[] b = new double[15];
        for (int i = 0; i < 20; i++) {
            a[i] = 2.0 - 0.05 * i;
            if (i < 15) {
                b[i] = 1.0 - 0.02 * i;
            }
        }
        LrCurve longer = LrCurve.of(rates, a, LrCurve.Stop.COMPLETED);
        LrCurve shorter = LrCurve.of(rates, b, LrCurve.Stop.DIVERGED);

        LrCurve mean = LrCurve.average(List.of(longer, shorter));

        assertEquals(15, mean.steps());
        assertEquals(LrCurve.Stop.DIVERGED, mean.stop(), "a worker diverged at step 15");
        for (int i = 0; i < 15; i++) {
            assertEquals((a[i] + b[i]) / 2, mean.losses()[i], 1e-12);
        }
        assertEquals(LrCurve.of(rates, mean.losses(), LrCurve.Stop.DIVERGED).smoothedLosses()[14],
                mean.smoothedLosses()[14], 0.0, "smoothed as one curve");
    }

    @Test
    void shouldSuggestTheSteepestDescentOfTheSmoothedLossWhenTheCurveHasOneDrop() {
        double[] rates = LrFinder.Config.builder().steps(60).startLr(1e-6).endLr(1).build().rates();
        double[] losses = new double[60];
        for (int i = 0; i < 60; i++) {
            losses[i] = i < 30 ? 1.0 : 0.1; // one step down between steps 29 and 30
        }

        LrCurve curve = LrCurve.of(rates, losses, LrCurve.Stop.COMPLETED);

        assertEquals(LrCurve.Stop.COMPLETED, curve.stop());
        assertEquals(29, curve.suggestedStep(), "the smoothed loss falls fastest right after the drop");
    }

    @Test
    void shouldRejectTheRangeWhenStartIsNotBelowEnd() {
        assertThrows(IllegalArgumentException.class, () -> LrFinder.Config.builder().startLr(1).endLr(1).build());
        io.averon.core.InvalidInputException steps = assertThrows(io.averon.core.InvalidInputException.class,
                () -> LrFinder.Config.builder().steps(4).build());
        assertEquals("--steps must be >= 5, got 4", steps.getMessage());
    }

    @Test
    void shouldDrawANonBlankPngWhenPlottingACurve() throws IOException {
        LrCurve curve = new LrFinder(CONFIG).run(model("mlp", 3), TRAIN);

        BufferedImage image = ImageIO.read(new ByteArrayInputStream(LrCurvePlot.png(curve, "logistic on blobs")));

        assertEquals(LrCurvePlot.WIDTH, image.getWidth());
        assertEquals(LrCurvePlot.HEIGHT, image.getHeight());
        assertTrue(distinctColours(image) > 20, "lines, text and markers, not a blank image");
    }

    private static String describe(LrCurve curve) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < curve.steps(); i++) {
            text.append(String.format(java.util.Locale.ROOT, "%n%.2e %.4f %.4f", curve.learningRates()[i],
                    curve.losses()[i], curve.smoothedLosses()[i]));
        }
        return text.toString();
    }

    static int distinctColours(BufferedImage image) {
        java.util.Set<Integer> colours = new java.util.HashSet<>();
        for (int y = 0; y < image.getHeight(); y += 2) {
            for (int x = 0; x < image.getWidth(); x += 2) {
                colours.add(image.getRGB(x, y));
            }
        }
        return colours.size();
    }
}
