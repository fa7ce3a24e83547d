package io.averon.core.report;

import io.averon.core.AveronException;
import io.averon.core.Versions;
import io.averon.core.io.AtomicFiles;
import io.averon.core.io.Location;
import io.averon.core.train.EpochRecord;
import io.averon.core.train.EvaluationResult;
import org.knowm.xchart.internal.chartpart.Chart;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A training run's {@code report.html}: one self-contained HTML file (no JavaScript, no external
 * resources: charts and images are PNG data URIs) with the configuration, the final metrics, loss
 * and accuracy curves, time per epoch (and, for a distributed run, per worker, naming the worker
 * the rounds waited for), the confusion matrix, the most-confused class pairs and the highest-loss
 * examples. Sections without data are left out, so a report written while a run
 * is still going (no final metrics, no hard examples yet) is valid too: its confusion matrix is
 * then the latest epoch's.
 *
 * <p>Immutable; {@link #toHtml()} draws the charts each time it is called.
 */
public final class RunReport {

    static {
        Png.ensureHeadless();
    }

    /** An extra chart, drawn when it was added. */
    record Figure(String caption, byte[] png) {
    }

    private final String title;
    private final Map<String, Object> config;
    private final List<EpochRecord> epochs;
    private final EvaluationResult finalMetrics;
    private final List<HardExample> hardExamples;
    private final List<Figure> figures;
    private final List<String> notes;

    private RunReport(Builder b) {
        this.title = b.title;
        this.config = Collections.unmodifiableMap(new LinkedHashMap<>(b.config));
        this.epochs = List.copyOf(b.epochs);
        this.finalMetrics = b.finalMetrics;
        this.hardExamples = b.hardExamples == null ? null : List.copyOf(b.hardExamples);
        this.figures = List.copyOf(b.figures);
        this.notes = List.copyOf(b.notes);
    }

    public static Builder builder(String title) {
        return new Builder(title);
    }

    /** Collects a report's parts; everything but the title is optional. */
    public static final class Builder {
        private final String title;
        private Map<String, Object> config = Map.of();
        private List<EpochRecord> epochs = List.of();
        private EvaluationResult finalMetrics;
        private List<HardExample> hardExamples;
        private final List<Figure> figures = new ArrayList<>();
        private final List<String> notes = new ArrayList<>();

        private Builder(String title) {
            this.title = Objects.requireNonNull(title, "title");
        }

        /** The run's configuration, shown as a compact key/value table in its order. */
        public Builder config(Map<String, Object> config) {
            this.config = Objects.requireNonNull(config, "config");
            return this;
        }

        /** The per-epoch records, in epoch order: curves, time per epoch, and the latest metrics. */
        public Builder epochs(List<EpochRecord> epochs) {
            this.epochs = Objects.requireNonNull(epochs, "epochs");
            return this;
        }

        /** The final metrics on the held-out split; null (the default) while the run is going. */
        public Builder finalMetrics(EvaluationResult result) {
            this.finalMetrics = result;
            return this;
        }

        /** The highest-loss examples ({@link HardExamples#find}); null (the default) leaves the section out. */
        public Builder hardExamples(List<HardExample> examples) {
            this.hardExamples = examples;
            return this;
        }

        /** An extra chart, drawn now (later changes to it do not show), shown with its caption. */
        public Builder figure(String caption, Chart<?, ?> chart) {
            Objects.requireNonNull(chart, "chart");
            figures.add(new Figure(Objects.requireNonNull(caption, "caption"), Png.of(chart)));
            return this;
        }

        /** A paragraph of plain text under the title (escaped, like all text). */
        public Builder note(String text) {
            notes.add(Objects.requireNonNull(text, "text"));
            return this;
        }

        public RunReport build() {
            return new RunReport(this);
        }
    }

    /** The report as one HTML document. */
    public String toHtml() {
        StringBuilder h = new StringBuilder(1 << 16);
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                // the file runs no script and loads nothing: enforced by the browser, not only by escaping
                .append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; ")
                .append("img-src data:; style-src 'unsafe-inline'\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>").append(Html.escape(title)).append("</title>\n<style>").append(ReportSections.CSS)
                .append("</style>\n</head>\n<body>\n<h1>").append(Html.escape(title)).append("</h1>\n");
        for (String note : notes) {
            h.append("<p class=\"note\">").append(Html.escape(note)).append("</p>\n");
        }
        EvaluationResult shown = finalMetrics;
        String scope = "Final metrics on the held-out split";
        if (shown == null && !epochs.isEmpty()) {
            EpochRecord last = epochs.get(epochs.size() - 1);
            shown = last.test();
            scope = "Held-out split after epoch " + last.epoch() + " (no final metrics yet)";
        }
        if (shown != null) {
            ReportSections.summary(h, shown, scope);
        }
        if (!config.isEmpty()) {
            ReportSections.config(h, config);
        }
        if (!epochs.isEmpty()) {
            ReportSections.charts(h, "curves", "Training curves", List.of(
                    new ReportSections.Drawn(ReportCharts.loss(epochs), "Loss per epoch: training (as the optimiser "
                            + "saw it) and held-out"),
                    new ReportSections.Drawn(ReportCharts.quality(epochs), epochs.get(0).test().isClassification()
                            ? "Accuracy per epoch: training sample and held-out split" : "R\u00b2 on the held-out "
                            + "split per epoch")));
            boolean distributed = epochs.stream().anyMatch(e -> e.distributed() != null);
            ReportSections.charts(h, "time", "Time per epoch", List.of(new ReportSections.Drawn(ReportCharts.time(epochs),
                    distributed ? "Seconds per epoch and worker: minibatch compute and waiting on parameter-server sync"
                            : "Seconds of training per epoch (local engine: no parameter-server sync)")));
            WorkerTotals workers = WorkerTotals.of(epochs);
            if (workers != null) {
                ReportSections.workers(h, workers);
            }
        }
        if (shown != null && shown.isClassification()) {
            ReportSections.confusion(h, shown, scope);
        }
        if (hardExamples != null) {
            ReportSections.hardExamples(h, hardExamples);
        }
        if (!figures.isEmpty()) {
            h.append("<section id=\"figures\">\n<h2>Figures</h2>\n<div class=\"charts\">\n");
            for (Figure f : figures) {
                ReportSections.figure(h, f.png(), f.caption());
            }
            h.append("</div>\n</section>\n");
        }
        h.append("<footer>Averon ").append(Html.escape(Versions.averon())).append("</footer>\n</body>\n</html>\n");
        return h.toString();
    }

    /**
     * Writes {@link #toHtml()} to {@code file} atomically (a temporary sibling renamed over it), so
     * a reader never sees half a report.
     *
     * @throws AveronException if the file cannot be written
     */
    public void write(Location file) {
        byte[] bytes = toHtml().getBytes(StandardCharsets.UTF_8);
        try {
            AtomicFiles.write(file, out -> out.write(bytes));
        } catch (IOException e) {
            throw new AveronException(file + ": cannot write (" + e.getMessage() + ")", e);
        }
    }
}
