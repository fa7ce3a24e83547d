package io.averon.core.report;

import io.averon.core.metrics.ClassificationMetrics;
import io.averon.core.train.EpochRecord;
import io.averon.core.train.EvaluationResult;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.Styler;

import java.awt.Color;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * The report's charts, built with XChart from the run's epoch records and metrics. Each method
 * returns a chart ready for {@link Png#of}, or null when the run has nothing to draw in it.
 */
final class ReportCharts {

    static {
        Png.ensureHeadless();
    }

    /** The confusion heatmap's colour scale, from 0 examples to the fullest cell (a white-to-blue ramp). */
    static final Color[] CONFUSION_COLORS = {new Color(0xf7fbff), new Color(0x9ecae1), new Color(0x2171b5)};
    /** Above this many (epoch, worker) bars the time chart shows each epoch's mean over the workers. */
    static final int MAX_TIME_BARS = 48;
    /** Class names longer than this are cut on the heatmap's axes (the tables show them whole). */
    static final int MAX_AXIS_LABEL = 16;

    private static final Color COMPUTE = new Color(0x4c78a8);
    private static final Color SYNC = new Color(0xf58518);
    private static final int CURVE_WIDTH = 580;
    private static final int CURVE_HEIGHT = 360;

    private ReportCharts() {
    }

    /** Training loss (the optimiser's, per epoch) and the held-out loss, by epoch. */
    static XYChart loss(List<EpochRecord> epochs) {
        boolean regression = !epochs.isEmpty() && !epochs.get(0).test().isClassification();
        XYChart chart = curves("Loss", "loss");
        addCurve(chart, "train loss", epochs, EpochRecord::trainLoss);
        addCurve(chart, regression ? "test loss (MSE)" : "test loss", epochs, e -> e.test().loss());
        return chart.getSeriesMap().isEmpty() ? null : chart;
    }

    /** Classification: accuracy on the training sample and the held-out split; regression: test R². */
    static XYChart quality(List<EpochRecord> epochs) {
        if (epochs.isEmpty()) {
            return null;
        }
        XYChart chart;
        if (epochs.get(0).test().isClassification()) {
            chart = curves("Accuracy", "accuracy");
            addCurve(chart, "train accuracy", epochs, e -> e.train() == null ? Double.NaN : e.train().accuracy());
            addCurve(chart, "test accuracy", epochs, e -> e.test().accuracy());
        } else {
            chart = curves("Test R\u00b2", "R\u00b2");
            addCurve(chart, "test R\u00b2", epochs, e -> e.test().regression().r2());
        }
        return chart.getSeriesMap().isEmpty() ? null : chart;
    }

    /**
     * Seconds per epoch as stacked bars: per worker, minibatch compute and parameter-server sync
     * (the distributed engine); the local engine has one bar of wall time per epoch.
     */
    static CategoryChart time(List<EpochRecord> epochs) {
        if (epochs.isEmpty()) {
            return null;
        }
        int workers = 0;
        for (EpochRecord e : epochs) {
            if (e.distributed() != null) {
                workers = Math.max(workers, e.distributed().computeSeconds().length);
            }
        }
        List<String> categories = new ArrayList<>();
        List<Double> compute = new ArrayList<>();
        List<Double> sync = new ArrayList<>();
        boolean perWorker = workers > 0 && epochs.size() * workers <= MAX_TIME_BARS;
        for (EpochRecord e : epochs) {
            EpochRecord.Distributed d = e.distributed();
            if (workers == 0) {
                categories.add(Integer.toString(e.epoch()));
                compute.add(e.wallSeconds());
            } else if (perWorker) {
                for (int w = 0; w < workers; w++) {
                    categories.add("e" + e.epoch() + " w" + w);
                    compute.add(d == null || w >= d.computeSeconds().length ? 0.0 : d.computeSeconds()[w]);
                    sync.add(d == null || w >= d.syncSeconds().length ? 0.0 : d.syncSeconds()[w]);
                }
            } else {
                categories.add(Integer.toString(e.epoch()));
                compute.add(d == null ? 0.0 : mean(d.computeSeconds()));
                sync.add(d == null ? 0.0 : mean(d.syncSeconds()));
            }
        }
        String xTitle = workers == 0 ? "epoch" : perWorker ? "epoch e, worker w" : "epoch (mean over " + workers
                + " workers)";
        int width = Math.max(CURVE_WIDTH, Math.min(1150, 160 + 26 * categories.size()));
        CategoryChart chart = new CategoryChartBuilder().width(width).height(CURVE_HEIGHT).title("Time per epoch")
                .xAxisTitle(xTitle).yAxisTitle("seconds").build();
        style(chart.getStyler());
        chart.getStyler().setStacked(true);
        chart.getStyler().setOverlapped(false);
        chart.getStyler().setXAxisLabelRotation(categories.size() > 12 ? 60 : 0);
        if (workers == 0) {
            chart.getStyler().setSeriesColors(new Color[] {COMPUTE});
            chart.addSeries("compute (local engine, no sync)", categories, compute);
        } else {
            chart.getStyler().setSeriesColors(new Color[] {COMPUTE, SYNC});
            chart.addSeries("compute", categories, compute);
            chart.addSeries("parameter-server sync", categories, sync);
        }
        return chart;
    }

    /** The confusion matrix as a heatmap: actual class down (first class on top), predicted across. */
    static HeatMapChart confusion(EvaluationResult result) {
        ClassificationMetrics metrics = result.classification();
        if (metrics == null) {
            return null;
        }
        int n = metrics.numClasses();
        List<String> names = new ArrayList<>(n);
        for (int c = 0; c < n; c++) {
            names.add(axisLabel(c < result.classNames().size() ? result.classNames().get(c) : Integer.toString(c)));
        }
        List<String> reversed = new ArrayList<>(names);
        java.util.Collections.reverse(reversed);
        long[][] confusion = metrics.confusionMatrix();
        long max = 1;
        List<Number[]> cells = new ArrayList<>(n * n);
        for (int a = 0; a < n; a++) {
            for (int p = 0; p < n; p++) {
                cells.add(new Number[] {p, n - 1 - a, confusion[a][p]});
                max = Math.max(max, confusion[a][p]);
            }
        }
        int plot = Math.max(260, Math.min(900, 48 * n));
        HeatMapChart chart = new HeatMapChartBuilder().width(plot + 280).height(plot + 200).title("Confusion matrix")
                .xAxisTitle("predicted").yAxisTitle("actual").build();
        style(chart.getStyler());
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Vertical);
        chart.getStyler().setRangeColors(CONFUSION_COLORS);
        chart.getStyler().setMin(0);
        chart.getStyler().setMax(max);
        chart.getStyler().setShowValue(n <= 15);
        chart.getStyler().setHeatMapValueDecimalPattern("#0");
        int longest = names.stream().mapToInt(String::length).max().orElse(1);
        chart.getStyler().setXAxisLabelRotation(longest * 8 > plot / n ? 45 : 0); // ~8 px per character
        chart.addSeries("examples", names, reversed, cells);
        return chart;
    }

    private static XYChart curves(String title, String yTitle) {
        XYChart chart = new XYChartBuilder().width(CURVE_WIDTH).height(CURVE_HEIGHT).title(title).xAxisTitle("epoch")
                .yAxisTitle(yTitle).build();
        style(chart.getStyler());
        chart.getStyler().setMarkerSize(7);
        // whole epochs only: XChart places ticks at fractions when there are few points
        chart.getStyler().setxAxisTickLabelsFormattingFunction(x -> x == Math.rint(x) ? Long.toString(x.longValue()) : "");
        return chart;
    }

    /** Adds the finite points of one per-epoch quantity; a quantity with none is left out. */
    private static void addCurve(XYChart chart, String name, List<EpochRecord> epochs,
                                 ToDoubleFunction<EpochRecord> value) {
        List<Integer> x = new ArrayList<>();
        List<Double> y = new ArrayList<>();
        for (EpochRecord e : epochs) {
            double v = value.applyAsDouble(e);
            if (Double.isFinite(v)) {
                x.add(e.epoch());
                y.add(v);
            }
        }
        if (!x.isEmpty()) {
            chart.addSeries(name, x, y);
        }
    }

    private static void style(AxesChartStyler styler) {
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setPlotBorderVisible(false);
        styler.setLegendBorderColor(Color.WHITE);
        styler.setLegendPosition(Styler.LegendPosition.OutsideS);
        styler.setLegendLayout(Styler.LegendLayout.Horizontal);
        styler.setChartTitleBoxVisible(false);
    }

    private static String axisLabel(String name) {
        return name.length() <= MAX_AXIS_LABEL ? name : name.substring(0, MAX_AXIS_LABEL - 1) + "\u2026";
    }

    private static double mean(double[] values) {
        double sum = 0;
        for (double v : values) {
            sum += v;
        }
        return values.length == 0 ? 0 : sum / values.length;
    }
}
