package io.averon.examples;

import io.averon.core.data.ArrayDataSet;
import io.averon.core.data.Labels;
import io.averon.core.model.AveronModel;
import io.averon.core.report.RunReport;
import io.averon.core.train.TrainingConfig;
import io.averon.driver.run.Trained;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * TensorFlow's time-series lesson: forecast the next value of a series from the last {@value #STEPS}
 * values with an LSTM. Two habits matter more than the network. The validation data is the last
 * 20% of the series - the future, never a random sample of it - and no validation window reads a
 * value the training windows read. And the forecast is compared with the naive one (tomorrow =
 * today), which any model must beat to be worth having.
 */
public final class SequenceLstmExample implements Example {

    /** Steps of history per window. */
    static final int STEPS = 16;
    /** The share of the series, at its end, held out for validation. */
    static final double VALIDATION_SHARE = 0.2;
    /** Steps of the validation part drawn in the report (more would blur the two lines into one). */
    private static final int PLOTTED_STEPS = 300;

    /** Windows over one part of the series, and the first and last series index they read. */
    record Windows(ArrayDataSet data, int[] targetIndex, int firstIndex, int lastIndex) {
    }

    @Override
    public String name() {
        return "sequence-lstm";
    }

    @Override
    public String summary() {
        return "Next-value forecasting with an LSTM, validated on the series' last 20%, against tomorrow = today";
    }

    @Override
    public Outcome run(ExampleContext context) {
        // 1. The series: two sines (periods 50 and 13), a slow upward trend and noise.
        int length = context.count(4_000, 800);
        float[] series = series(length, context.seed());

        // 2. Split the SERIES by time first, then cut each part into windows: a window never
        //    crosses the cut, so training and validation share no value. (Cutting windows first
        //    and then splitting them would let the windows around the cut overlap.)
        int cut = (int) Math.round(length * (1 - VALIDATION_SHARE));
        float scale = diffStd(series, 0, cut); // from the training part only
        Windows train = windows("series [train]", series, 0, cut, scale);
        Windows validation = windows("series [validation]", series, cut, length, scale);
        context.print("%d steps: %d training windows read steps 0-%d, %d validation windows read steps %d-%d",
                length, train.data().size(), train.lastIndex(), validation.data().size(), validation.firstIndex(),
                validation.lastIndex());

        // 3. The model: an LSTM reads the window step by step; only its state after the last step
        //    (LastTimeStep) goes to the output unit, which predicts the next change (identity, MSE).
        //    Examples are [channels = 1, steps] and minibatches [batch, 1, steps] (DL4J's NCW layout).
        long seed = context.seed();
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.FLOAT)
                .updater(new Adam(1e-2))
                .list()
                .layer(new LastTimeStep(new LSTM.Builder().nOut(32).activation(Activation.TANH).build()))
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(1)
                        .activation(Activation.IDENTITY).build())
                .setInputType(InputType.recurrent(1, STEPS))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();

        // 4. Train on Spark. Shuffling the TRAINING windows is fine: the split is what must respect time.
        TrainingConfig training = TrainingConfig.builder()
                .epochs(context.epochs(20, 8))
                .batchSize(64)
                .trainEvalSample(0) // no training accuracy to sample for a regression: skip that pass
                .seed(seed)
                .build();
        Trained result = context.fit(context.trainer(training), AveronModel.of(net), train.data(), validation.data(),
                "lstm");

        // 5. Forecast every validation step in the series' own units, next to tomorrow = today.
        float[] predicted = forecast(result.model(), validation, series, scale);
        double mse = 0;
        double persistence = 0;
        for (int i = 0; i < predicted.length; i++) {
            int t = validation.targetIndex()[i];
            mse += sq(predicted[i] - series[t]);
            persistence += sq(series[t - 1] - series[t]);
        }
        mse /= predicted.length;
        persistence /= predicted.length;
        context.print("validation MSE: LSTM %.5f, persistence (next = last) %.5f", mse, persistence);

        Map<String, Object> config = new LinkedHashMap<>();
        config.put("series", length + " steps: sin(2πt/50) + 0.5·sin(2πt/13) + 0.0005·t + N(0, 0.1²)");
        config.put("split", "time-ordered: steps 0-" + (cut - 1) + " train, " + cut + "-" + (length - 1) + " validate");
        config.put("window", STEPS + " steps -> the next value (as a change from the last one, / " + String.format(
                Locale.ROOT, "%.4f", scale) + ")");
        config.put("model", "LSTM(32), last time step -> dense(1), MSE");
        config.put("optimizer", "Adam, learning rate 0.01");
        config.put("epochs", training.epochs());
        config.put("batch size", training.batchSize());
        config.put("workers", result.workers());
        context.writeReport(RunReport.builder("Forecasting a series with an LSTM")
                .config(config)
                .note(String.format(Locale.ROOT, "Validation MSE %.5f for the LSTM against %.5f for the persistence "
                        + "forecast (next value = last value), on the same %d windows of the series' last %.0f%%. "
                        + "(The curves and the result table below are in the model's units: the next change "
                        + "divided by %.4f.)", mse, persistence, predicted.length, 100 * VALIDATION_SHARE, scale))
                .epochs(result.training().epochs())
                .finalMetrics(result.training().finalMetrics())
                .figure("The start of the validation part of the series and the LSTM's one-step forecasts",
                        chart(series, cut, validation, predicted)));

        Map<String, Double> figures = new LinkedHashMap<>();
        figures.put("test_mse", mse);
        figures.put("persistence_mse", persistence);
        figures.put("train_windows", (double) train.data().size());
        figures.put("validation_windows", (double) validation.data().size());
        figures.put("train_last_index", (double) train.lastIndex());
        figures.put("validation_first_index", (double) validation.firstIndex());
        return new Outcome(name(), figures);
    }

    /** {@code sin(2πt/50) + 0.5·sin(2πt/13) + 0.0005·t + noise(σ = 0.1)}. */
    static float[] series(int length, long seed) {
        Random random = new Random(seed);
        float[] x = new float[length];
        for (int t = 0; t < length; t++) {
            x[t] = (float) (Math.sin(2 * Math.PI * t / 50) + 0.5 * Math.sin(2 * Math.PI * t / 13) + 0.0005 * t
                    + 0.1 * random.nextGaussian());
        }
        return x;
    }

    /**
     * Every window of {@link #STEPS} steps inside {@code series[from, to)} with the step after it
     * as the target. Each window is made relative to its last value and divided by {@code scale}:
     * the model learns the next CHANGE, so a trend that carries the series to levels it never saw
     * in training does not take the inputs there too.
     */
    static Windows windows(String name, float[] series, int from, int to, float scale) {
        int n = to - from - STEPS;
        float[] features = new float[n * STEPS];
        float[] targets = new float[n];
        int[] targetIndex = new int[n];
        for (int i = 0; i < n; i++) {
            int t = from + STEPS + i; // the target's index; the window is t-STEPS .. t-1
            float last = series[t - 1];
            for (int s = 0; s < STEPS; s++) {
                features[i * STEPS + s] = (series[t - STEPS + s] - last) / scale;
            }
            targets[i] = (series[t] - last) / scale;
            targetIndex[i] = t;
        }
        ArrayDataSet data = new ArrayDataSet(name, new int[] {1, STEPS}, features, new Labels.Targets(targets));
        return new Windows(data, targetIndex, targetIndex[0] - STEPS, targetIndex[n - 1]);
    }

    /** The standard deviation of the one-step changes in {@code series[from, to)}. */
    private static float diffStd(float[] series, int from, int to) {
        double sum = 0;
        double sumSq = 0;
        for (int t = from + 1; t < to; t++) {
            double d = series[t] - series[t - 1];
            sum += d;
            sumSq += d * d;
        }
        int n = to - from - 1;
        double mean = sum / n;
        return (float) Math.sqrt(Math.max(1e-12, sumSq / n - mean * mean));
    }

    /** The model's one-step forecasts for the windows, back in the series' units. */
    private static float[] forecast(AveronModel model, Windows windows, float[] series, float scale) {
        ArrayDataSet data = windows.data();
        float[] changes = model.output(Nd4j.create(data.features(), new long[] {data.size(), 1, STEPS}, 'c'))
                .castTo(DataType.FLOAT).toFloatVector();
        float[] out = new float[changes.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = series[windows.targetIndex()[i] - 1] + scale * changes[i];
        }
        return out;
    }

    private static double sq(double v) {
        return v * v;
    }

    /** The first {@value #PLOTTED_STEPS} steps of the validation part: the actual values and the forecasts. */
    private static XYChart chart(float[] series, int cut, Windows validation, float[] predicted) {
        XYChart chart = new XYChartBuilder().width(900).height(420).title("Validation part of the series")
                .xAxisTitle("step").yAxisTitle("value").build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS)
                .setLegendLayout(Styler.LegendLayout.Horizontal);
        int end = Math.min(series.length, cut + PLOTTED_STEPS);
        double[] steps = new double[end - cut];
        double[] actual = new double[steps.length];
        for (int i = 0; i < steps.length; i++) {
            steps[i] = cut + i;
            actual[i] = series[cut + i];
        }
        int shown = 0;
        while (shown < predicted.length && validation.targetIndex()[shown] < end) {
            shown++;
        }
        double[] forecastSteps = new double[shown];
        double[] forecast = new double[shown];
        for (int i = 0; i < shown; i++) {
            forecastSteps[i] = validation.targetIndex()[i];
            forecast[i] = predicted[i];
        }
        chart.addSeries("actual", steps, actual).setMarker(SeriesMarkers.NONE);
        chart.addSeries("LSTM forecast (one step ahead, from the " + STEPS + " steps before)", forecastSteps, forecast)
                .setMarker(SeriesMarkers.NONE);
        return chart;
    }
}
