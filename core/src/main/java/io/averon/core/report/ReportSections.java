package io.averon.core.report;

import io.averon.core.metrics.ClassStats;
import io.averon.core.metrics.ClassificationMetrics;
import io.averon.core.metrics.ConfusedPair;
import io.averon.core.train.EvaluationResult;
import org.knowm.xchart.internal.chartpart.Chart;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The HTML of the report's sections; every piece of text is escaped on its way in. */
final class ReportSections {

    /** The report's only styling, inline. */
    static final String CSS = """
            body{font-family:"DejaVu Sans",system-ui,sans-serif;color:#222;margin:1.5em auto;max-width:1240px;\
            padding:0 1em;line-height:1.4}
            h1{font-size:1.5em;margin-bottom:.3em}
            h2{font-size:1.2em;border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.8em}
            p.note{background:#f6f8fa;border-left:4px solid #4c78a8;padding:.4em .8em}
            table{border-collapse:collapse;font-size:.9em;margin:.5em 0}
            caption{text-align:left;color:#555;padding-bottom:.2em;white-space:nowrap}
            th,td{border:1px solid #ddd;padding:.2em .6em;text-align:left;vertical-align:top}
            th{background:#f3f3f3}
            td.num{text-align:right;font-variant-numeric:tabular-nums}
            table.kv th{font-weight:normal;color:#555}
            figure{display:inline-block;margin:.4em 1em .8em 0;vertical-align:top}
            figcaption{font-size:.85em;color:#555;max-width:620px}
            .charts img{max-width:100%;height:auto;border:1px solid #eee}
            .hard figure{width:132px;margin:.3em .6em .6em 0}
            .hard img{width:120px;height:auto;image-rendering:pixelated;image-rendering:crisp-edges;\
            border:1px solid #ccc;background:#fff}
            .hard figcaption{max-width:132px;font-size:.78em}
            .wrong{color:#b3261e;font-weight:bold}
            footer{margin-top:2em;font-size:.8em;color:#888}
            """;
    /** Feature values shown per example when the examples are not images. */
    static final int MAX_FEATURES_SHOWN = 12;
    /** Rows of the most-confused pairs table. */
    static final int MOST_CONFUSED = 10;

    /** A chart with its caption; a null chart is skipped. */
    record Drawn(Chart<?, ?> chart, String caption) {
    }

    private ReportSections() {
    }

    static void summary(StringBuilder h, EvaluationResult r, String scope) {
        h.append("<section id=\"summary\">\n<h2>Result</h2>\n<table class=\"kv\">\n");
        h.append("<caption>").append(Html.escape(scope)).append("</caption>\n");
        row(h, "examples", Long.toString(r.count()));
        if (r.isClassification()) {
            ClassificationMetrics m = r.classification();
            row(h, "accuracy", Html.percent(m.accuracy()));
            row(h, "top-" + m.topK() + " accuracy", Html.percent(m.topKAccuracy()));
            row(h, "macro F1", Html.number(m.macroF1()));
            row(h, "loss (cross-entropy)", Html.number(m.meanLoss()));
        } else {
            row(h, "MSE", Html.number(r.regression().mse()));
            row(h, "RMSE", Html.number(Math.sqrt(r.regression().mse())));
            row(h, "MAE", Html.number(r.regression().mae()));
            row(h, "R\u00b2", Html.number(r.regression().r2()));
        }
        h.append("</table>\n</section>\n");
    }

    static void config(StringBuilder h, Map<String, Object> config) {
        h.append("<section id=\"config\">\n<h2>Configuration</h2>\n<table class=\"kv\">\n");
        for (Map.Entry<String, Object> e : config.entrySet()) {
            row(h, e.getKey(), Html.value(e.getValue()));
        }
        h.append("</table>\n</section>\n");
    }

    /** A section of charts; left out when none of them has anything to draw. */
    static void charts(StringBuilder h, String id, String heading, List<Drawn> charts) {
        if (charts.stream().allMatch(d -> d.chart() == null)) {
            return;
        }
        h.append("<section id=\"").append(id).append("\">\n<h2>").append(Html.escape(heading))
                .append("</h2>\n<div class=\"charts\">\n");
        for (Drawn d : charts) {
            if (d.chart() != null) {
                figure(h, Png.of(d.chart()), d.caption());
            }
        }
        h.append("</div>\n</section>\n");
    }

    static void figure(StringBuilder h, byte[] png, String caption) {
        h.append("<figure>").append(Html.img(png, caption, null)).append("<figcaption>").append(Html.escape(caption))
                .append("</figcaption></figure>\n");
    }

    /**
     * Each worker's seconds over the run: compute, sync and, when measured, how late its
     * contributions to the rounds completed, naming the worker the rounds waited for longest.
     */
    static void workers(StringBuilder h, WorkerTotals totals) {
        boolean lag = totals.roundLagSeconds() != null;
        h.append("<section id=\"workers\">\n<h2>Workers</h2>\n");
        int slowest = totals.slowest();
        if (slowest >= 0) {
            double others = 0;
            for (int w = 0; w < totals.workers(); w++) {
                if (w != slowest) {
                    others = Math.max(others, totals.roundLagSeconds()[w]);
                }
            }
            h.append("<p>The rounds waited longest for worker ").append(slowest).append(": its contributions completed ")
                    .append(Html.number(totals.roundLagSeconds()[slowest])).append(" s after each round's first, ")
                    .append("summed over the run (the other workers: at most ").append(Html.number(others))
                    .append(" s). A slow link or a slow executor shows here, not in the sync time: every worker of a ")
                    .append("synchronous round waits for the last one.</p>\n");
        }
        h.append("<table id=\"worker-times\">\n<caption>Seconds per worker, summed over the epochs</caption>\n")
                .append("<tr><th>worker</th><th>compute</th><th>parameter-server sync</th>")
                .append(lag ? "<th>late in the rounds</th>" : "").append("</tr>\n");
        for (int w = 0; w < totals.workers(); w++) {
            h.append("<tr><td class=\"num\">").append(w).append("</td><td class=\"num\">")
                    .append(Html.number(totals.computeSeconds()[w])).append("</td><td class=\"num\">")
                    .append(Html.number(totals.syncSeconds()[w])).append("</td>");
            if (lag) {
                h.append("<td class=\"num\">").append(Html.number(totals.roundLagSeconds()[w])).append("</td>");
            }
            h.append("</tr>\n");
        }
        h.append("</table>\n</section>\n");
    }

    /** The heatmap, the most-confused pairs and the per-class table. */
    static void confusion(StringBuilder h, EvaluationResult r, String scope) {
        ClassificationMetrics m = r.classification();
        List<String> names = r.classNames().size() == m.numClasses() ? r.classNames() : null;
        h.append("<section id=\"confusion\">\n<h2>Confusion matrix</h2>\n<div class=\"charts\">\n");
        figure(h, Png.of(ReportCharts.confusion(r)), "Confusion matrix (" + scope.toLowerCase(Locale.ROOT)
                + "): rows are the true class, columns the predicted one; darker means more examples");
        h.append("</div>\n<h3>Most-confused pairs</h3>\n");
        List<ConfusedPair> pairs = m.mostConfused(MOST_CONFUSED);
        if (pairs.isEmpty()) {
            h.append("<p>None: every example was classified correctly.</p>\n");
        } else {
            h.append("<table id=\"most-confused\">\n<tr><th>true class</th><th>predicted as</th><th>examples</th>")
                    .append("<th>share of the true class</th></tr>\n");
            for (ConfusedPair p : pairs) {
                h.append("<tr><td>").append(Html.escape(name(names, p.actual()))).append("</td><td>")
                        .append(Html.escape(name(names, p.predicted()))).append("</td><td class=\"num\">")
                        .append(p.count()).append("</td><td class=\"num\">")
                        .append(Html.percent((double) p.count() / m.support(p.actual()))).append("</td></tr>\n");
            }
            h.append("</table>\n");
        }
        h.append("<h3>Per class</h3>\n<table id=\"per-class\">\n<tr><th>class</th><th>precision</th><th>recall</th>")
                .append("<th>F1</th><th>support</th></tr>\n");
        for (ClassStats s : m.perClass(names)) {
            h.append("<tr><td>").append(Html.escape(s.name())).append("</td><td class=\"num\">")
                    .append(Html.number(s.precision())).append("</td><td class=\"num\">").append(Html.number(s.recall()))
                    .append("</td><td class=\"num\">").append(Html.number(s.f1())).append("</td><td class=\"num\">")
                    .append(s.support()).append("</td></tr>\n");
        }
        h.append("</table>\n</section>\n");
    }

    /** Image examples as pictures with their labels; other examples as a table of their first features. */
    static void hardExamples(StringBuilder h, List<HardExample> examples) {
        h.append("<section id=\"hard-examples\">\n<h2>Highest-loss examples</h2>\n");
        if (examples.isEmpty()) {
            h.append("<p>No examples to show.</p>\n</section>\n");
            return;
        }
        h.append("<p>The held-out examples the model gets most wrong, worst first: look here for mislabelled ")
                .append("or broken data.</p>\n");
        if (examples.stream().allMatch(e -> ExampleImages.isImage(e.shape()))) {
            h.append("<div class=\"hard\">\n");
            for (HardExample e : examples) {
                String caption = "true " + e.trueLabel() + " / predicted " + e.predictedLabel() + " (" + detail(e) + ")";
                h.append("<figure>").append(Html.img(Png.of(ExampleImages.toImage(e.shape(), e.features())),
                        "example " + e.index() + ": " + caption, "example")).append("<figcaption>");
                h.append(e.misclassified() ? "<span class=\"wrong\">" : "<span>").append("true ")
                        .append(Html.escape(e.trueLabel())).append(" / predicted ").append(Html.escape(e.predictedLabel()))
                        .append("</span> (").append(Html.escape(detail(e))).append(") #").append(e.index())
                        .append("</figcaption></figure>\n");
            }
            h.append("</div>\n</section>\n");
            return;
        }
        h.append("<table id=\"hard-table\">\n<tr><th>#</th><th>true</th><th>predicted</th><th>p</th><th>loss</th>")
                .append("<th>features</th></tr>\n");
        for (HardExample e : examples) {
            h.append("<tr><td class=\"num\">").append(e.index()).append("</td><td>").append(Html.escape(e.trueLabel()))
                    .append("</td><td").append(e.misclassified() ? " class=\"wrong\">" : ">")
                    .append(Html.escape(e.predictedLabel())).append("</td><td class=\"num\">")
                    .append(Double.isNaN(e.probability()) ? "" : Html.number(e.probability()))
                    .append("</td><td class=\"num\">").append(Html.number(e.loss())).append("</td><td>")
                    .append(Html.escape(features(e.features()))).append("</td></tr>\n");
        }
        h.append("</table>\n</section>\n");
    }

    private static String detail(HardExample e) {
        return Double.isNaN(e.probability()) ? "squared error " + Html.number(e.loss())
                : String.format(Locale.ROOT, "p=%.2f, loss %s", e.probability(), Html.number(e.loss()));
    }

    private static String features(float[] values) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < Math.min(values.length, MAX_FEATURES_SHOWN); i++) {
            out.append(i == 0 ? "" : ", ").append(Html.number(values[i]));
        }
        if (values.length > MAX_FEATURES_SHOWN) {
            out.append(", \u2026 (").append(values.length).append(" values)");
        }
        return out.toString();
    }

    private static String name(List<String> names, int c) {
        return names == null ? Integer.toString(c) : names.get(c);
    }

    private static void row(StringBuilder h, String key, String value) {
        h.append("<tr><th>").append(Html.escape(key)).append("</th><td>").append(Html.escape(value))
                .append("</td></tr>\n");
    }
}
