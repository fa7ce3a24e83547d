package io.averon.core.train;

import org.knowm.xchart.AnnotationLine;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;

/**
 * Draws an {@link LrCurve} as a PNG: loss against learning rate on a logarithmic axis, the raw
 * minibatch losses faint, the smoothed loss bold, and the suggested rate marked with a vertical
 * line and a point on the smoothed curve. The loss axis spans the smoothed curve (raw losses
 * beyond it are clipped), so the last diverging steps do not flatten the rest.
 */
public final class LrCurvePlot {

    /** Width and height of the image in pixels. */
    public static final int WIDTH = 900;
    public static final int HEIGHT = 560;

    private static final Color SMOOTHED = new Color(31, 119, 180);
    private static final Color RAW = new Color(31, 119, 180, 100);
    private static final Color SUGGESTED = new Color(214, 39, 40);

    private LrCurvePlot() {
    }

    /** The plot as PNG bytes; {@code title} names what was tested (model and data). */
    public static byte[] png(LrCurve curve, String title) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title)
                .xAxisTitle("learning rate (log scale)").yAxisTitle("loss").build();
        Styler styler = chart.getStyler();
        styler.setLegendPosition(Styler.LegendPosition.OutsideS);
        styler.setLegendLayout(Styler.LegendLayout.Horizontal);
        styler.setAntiAlias(true);
        styler.setAnnotationLineColor(SUGGESTED);
        styler.setAnnotationLineStroke(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
                new float[] {6f, 4f}, 0f));
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setXAxisDecimalPattern("0.0E0");
        chart.getStyler().setPlotGridLinesColor(new Color(225, 225, 225));
        double low = Double.POSITIVE_INFINITY;
        double high = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < curve.steps(); i++) {
            low = Math.min(low, Math.min(curve.losses()[i], curve.smoothedLosses()[i]));
            high = Math.max(high, curve.smoothedLosses()[i]);
        }
        double margin = Math.max(1e-9, (high - low) * 0.05);
        chart.getStyler().setYAxisMin(low - margin);
        chart.getStyler().setYAxisMax(high + margin);

        XYSeries raw = chart.addSeries("loss", curve.learningRates(), clip(curve.losses(), high + margin));
        raw.setMarker(SeriesMarkers.NONE);
        raw.setLineColor(RAW);
        raw.setLineWidth(1f);
        XYSeries smoothed = chart.addSeries("smoothed loss", curve.learningRates(), curve.smoothedLosses());
        smoothed.setMarker(SeriesMarkers.NONE);
        smoothed.setLineColor(SMOOTHED);
        smoothed.setLineWidth(2.5f);
        XYSeries suggested = chart.addSeries(String.format(Locale.ROOT, "suggested %.1e", curve.suggestedRate()),
                new double[] {curve.suggestedRate()}, new double[] {curve.smoothedLosses()[curve.suggestedStep()]});
        suggested.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        suggested.setMarker(SeriesMarkers.CIRCLE);
        suggested.setMarkerColor(SUGGESTED);
        chart.addAnnotation(new AnnotationLine(curve.suggestedRate(), true, false));
        try {
            return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode the learning-rate plot: " + e.getMessage(), e);
        }
    }

    /** Raw losses above the axis drawn at its top edge (a line to a point off the plot would leave it). */
    private static double[] clip(double[] values, double max) {
        double[] out = values.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] = Math.min(out[i], max);
        }
        return out;
    }
}
