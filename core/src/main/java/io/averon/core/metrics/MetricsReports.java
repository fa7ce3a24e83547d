package io.averon.core.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Text and JSON rendering of {@link ClassificationMetrics}; kept apart so the accumulator stays small. */
final class MetricsReports {

    /** Class names longer than this are cut (last character {@code ~}) in the confusion matrix. */
    static final int MATRIX_NAME_WIDTH = 12;

    private static final String NL = System.lineSeparator();

    private MetricsReports() {
    }

    /** See {@link ClassificationMetrics#formatReport}; {@code names} has one entry per class. */
    static String classificationText(ClassificationMetrics m, List<String> names) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-16s%d", "examples", m.count())).append(NL);
        sb.append(String.format(Locale.ROOT, "%-16s%.4f", "accuracy", m.accuracy())).append(NL);
        sb.append(String.format(Locale.ROOT, "%-16s%.4f", "top-" + m.topK() + " accuracy", m.topKAccuracy()))
                .append(NL);
        sb.append(String.format(Locale.ROOT, "%-16s%.6f", "mean loss", m.meanLoss())).append(NL);
        sb.append(String.format(Locale.ROOT, "%-16s%.4f", "macro F1", m.macroF1())).append(NL).append(NL);

        int nameWidth = "macro avg".length();
        for (String name : names) {
            nameWidth = Math.max(nameWidth, name.length());
        }
        String row = "%-" + nameWidth + "s  %9s  %9s  %9s  %9s";
        sb.append(String.format(Locale.ROOT, row, "class", "precision", "recall", "f1", "support")).append(NL);
        for (ClassStats s : m.perClass(names)) {
            sb.append(String.format(Locale.ROOT, row, s.name(), fixed(s.precision()), fixed(s.recall()),
                    fixed(s.f1()), s.support())).append(NL);
        }
        sb.append(String.format(Locale.ROOT, row, "macro avg", "", "", fixed(m.macroF1()), m.count())).append(NL);

        long[][] confusion = m.confusionMatrix();
        String corner = "actual\\pred";
        int firstWidth = corner.length();
        int cellWidth = 1;
        for (int a = 0; a < confusion.length; a++) {
            String cut = truncate(names.get(a));
            firstWidth = Math.max(firstWidth, cut.length());
            cellWidth = Math.max(cellWidth, cut.length());
            for (long value : confusion[a]) {
                cellWidth = Math.max(cellWidth, Long.toString(value).length());
            }
        }
        String first = "%-" + firstWidth + "s";
        String cell = "  %" + cellWidth + "s";
        sb.append(NL).append("confusion matrix (rows = actual, columns = predicted)").append(NL);
        sb.append(String.format(Locale.ROOT, first, corner));
        for (String name : names) {
            sb.append(String.format(Locale.ROOT, cell, truncate(name)));
        }
        sb.append(NL);
        for (int a = 0; a < confusion.length; a++) {
            sb.append(String.format(Locale.ROOT, first, truncate(names.get(a))));
            for (long value : confusion[a]) {
                sb.append(String.format(Locale.ROOT, cell, value));
            }
            sb.append(NL);
        }
        return sb.toString();
    }

    /** See {@link ClassificationMetrics#toJson}; {@code names} has one entry per class. */
    static Map<String, Object> classificationJson(ClassificationMetrics m, List<String> names) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("test_accuracy", m.accuracy());
        json.put("test_loss", m.meanLoss());
        json.put("top_k", m.topK());
        json.put("top_k_accuracy", m.topKAccuracy());
        json.put("macro_f1", m.macroF1());
        json.put("class_names", names);
        List<Map<String, Object>> perClass = new ArrayList<>(names.size());
        for (ClassStats s : m.perClass(names)) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("name", s.name());
            entry.put("precision", s.precision());
            entry.put("recall", s.recall());
            entry.put("f1", s.f1());
            entry.put("support", s.support());
            perClass.add(entry);
        }
        json.put("per_class", perClass);
        List<List<Long>> matrix = new ArrayList<>(names.size());
        for (long[] actualRow : m.confusionMatrix()) {
            List<Long> cells = new ArrayList<>(actualRow.length);
            for (long value : actualRow) {
                cells.add(value);
            }
            matrix.add(cells);
        }
        json.put("confusion_matrix", matrix);
        return json;
    }

    /** {@code name} if at most {@link #MATRIX_NAME_WIDTH} characters, else its start and {@code ~}. */
    static String truncate(String name) {
        return name.length() <= MATRIX_NAME_WIDTH ? name : name.substring(0, MATRIX_NAME_WIDTH - 1) + "~";
    }

    private static String fixed(double value) {
        return String.format(Locale.ROOT, "%.4f", value);
    }
}
