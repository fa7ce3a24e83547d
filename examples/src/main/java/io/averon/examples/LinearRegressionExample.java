package io.averon.examples;

import io.averon.core.data.ArrayDataSet;
import io.averon.core.data.Labels;
import io.averon.core.model.AveronModel;
import io.averon.core.report.RunReport;
import io.averon.core.train.TrainingConfig;
import io.averon.driver.run.Trained;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * TensorFlow's first lesson: points scattered around the line {@code y = 0.1·x + 0.3}, and a model
 * with one weight and one bias that finds the line again by gradient descent. The model is a single
 * dense output unit (identity activation, mean squared error) - a neural network at its smallest -
 * and it trains on Spark exactly as a large one would.
 */
public final class LinearRegressionExample implements Example {

    /** The line the data is drawn around, and the noise around it. */
    static final double TRUE_W = 0.1;
    static final double TRUE_B = 0.3;
    static final double NOISE_STD = 0.01;
    /** What the lesson promises: both parameters recovered within this. */
    static final double TOLERANCE = 0.01;
    /** Points drawn in the report's scatter plot (enough to see the cloud, not a heavy page). */
    private static final int PLOTTED_POINTS = 300;

    @Override
    public String name() {
        return "linear-regression";
    }

    @Override
    public String summary() {
        return "Fit y = 0.1x + 0.3 from noisy points; the trained weight and bias come back within 0.01";
    }

    @Override
    public Outcome run(ExampleContext context) {
        // 1. Data: x uniform in [0, 1), y on the line plus Gaussian noise (sigma 0.01). The seed
        //    makes every run draw the same points; the test points are drawn after the training ones.
        Random random = new Random(context.seed());
        ArrayDataSet train = points("line (train)", context.count(2_000, 400), random);
        ArrayDataSet test = points("line (test)", context.count(500, 100), random);

        // 2. The model, built as any DL4J user builds one: one input, one output unit, no activation
        //    (identity), mean squared error. Its two parameters are the weight W and the bias b.
        //    Plain gradient descent at rate 0.5, as in TensorFlow's original lesson.
        long seed = context.seed();
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.FLOAT)
                .updater(new Sgd(0.5))
                .list()
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE)
                        .nIn(1).nOut(1).activation(Activation.IDENTITY).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();

        // 3. Train on Spark: each worker runs gradient descent on its share of the points and the
        //    parameter server averages the workers' parameters after every epoch.
        TrainingConfig training = TrainingConfig.builder()
                .epochs(context.epochs(15, 15))
                .batchSize(32) // the global minibatch: each of N workers takes 32 / N examples per step
                .seed(seed)
                .build();
        context.print("fitting y = w*x + b to %d noisy points on Spark", train.size());
        Trained result = context.fit(context.trainer(training), AveronModel.of(net), train, test, "linear");

        // 4. Read the two numbers the model learned straight out of its only layer.
        AveronModel model = result.model();
        double w = model.layers().get(0).getParam("W").getDouble(0);
        double b = model.layers().get(0).getParam("b").getDouble(0);
        context.print("learned w = %.4f (true %.1f), b = %.4f (true %.1f) on %d workers", w, TRUE_W, b, TRUE_B,
                result.workers());

        Map<String, Object> config = new LinkedHashMap<>();
        config.put("data", "y = 0.1x + 0.3 + N(0, 0.01^2), x ~ U[0, 1)");
        config.put("training points", train.size());
        config.put("test points", test.size());
        config.put("model", "one dense unit, identity activation, MSE");
        config.put("optimizer", "SGD, learning rate 0.5");
        config.put("epochs", training.epochs());
        config.put("batch size", training.batchSize());
        config.put("workers", result.workers());
        context.writeReport(RunReport.builder("Linear regression: finding y = 0.1·x + 0.3 again")
                .config(config)
                .epochs(result.training().epochs())
                .finalMetrics(result.training().finalMetrics())
                .figure("The training points, the true line and the line the model learned", chart(train, w, b))
                .note(String.format(java.util.Locale.ROOT, "Learned w = %.4f (true 0.1, error %.4f) and b = %.4f "
                        + "(true 0.3, error %.4f).", w, Math.abs(w - TRUE_W), b, Math.abs(b - TRUE_B))));

        Map<String, Double> figures = new LinkedHashMap<>();
        figures.put("w", w);
        figures.put("b", b);
        figures.put("w_error", Math.abs(w - TRUE_W));
        figures.put("b_error", Math.abs(b - TRUE_B));
        figures.put("test_mse", result.training().finalMetrics().regression().mse());
        return new Outcome(name(), figures);
    }

    /** {@code n} points {@code (x, 0.1x + 0.3 + noise)}: one feature, one regression target each. */
    static ArrayDataSet points(String name, int n, Random random) {
        float[] x = new float[n];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = random.nextFloat();
            y[i] = (float) (TRUE_W * x[i] + TRUE_B + NOISE_STD * random.nextGaussian());
        }
        return new ArrayDataSet(name, new int[] {1}, x, new Labels.Targets(y));
    }

    /** A scatter plot of (a sample of) the points with the true and the fitted line over it. */
    private static XYChart chart(ArrayDataSet data, double w, double b) {
        XYChart chart = new XYChartBuilder().width(720).height(440).title("y = w·x + b")
                .xAxisTitle("x").yAxisTitle("y").build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW).setMarkerSize(5);
        int n = Math.min(PLOTTED_POINTS, data.size());
        double[] xs = new double[n];
        double[] ys = new double[n];
        float[] targets = ((Labels.Targets) data.labels()).values();
        for (int i = 0; i < n; i++) {
            xs[i] = data.features()[i];
            ys[i] = targets[i];
        }
        XYSeries points = chart.addSeries("training points", xs, ys);
        points.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        double[] ends = {0, 1};
        chart.addSeries("true line y = 0.1x + 0.3", ends, new double[] {TRUE_B, TRUE_W + TRUE_B})
                .setMarker(SeriesMarkers.NONE);
        chart.addSeries(String.format(java.util.Locale.ROOT, "learned y = %.4fx + %.4f", w, b), ends,
                new double[] {b, w + b}).setMarker(SeriesMarkers.NONE);
        return chart;
    }
}
