package io.averon.driver.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.averon.core.AveronException;
import io.averon.core.io.AtomicFiles;
import io.averon.core.io.Location;
import io.averon.core.train.EpochRecord;
import io.averon.core.train.EvaluationResult;
import io.averon.core.train.TrainingResult;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code metrics.json}: {@code {"config": {...}, "epochs": [{...}, ...], "final": {...}, "summary": {...}}}. The
 * {@code final} object is exactly what {@code averon evaluate --json} prints for the same model
 * and data.
 */
public final class MetricsFile {

    public static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private MetricsFile() {
    }

    static void write(Location file, Map<String, Object> config, TrainingResult result) {
        write(file, config, result.epochs().stream().map(EpochRecord::toJson).toList(), result.finalMetrics().toJson(),
                summary(result, result.epochs().size()));
    }

    /** The {@code summary} object; {@code epochsRun} counts epochs of earlier attempts a resumed run carried over. */
    static Map<String, Object> summary(TrainingResult result, int epochsRun) {
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("epochs_run", epochsRun);
        summary.put("best_epoch", result.bestEpoch());
        summary.put("stopped_early", result.stoppedEarly());
        return summary;
    }

    /**
     * Writes the file from its parts; {@code finalMetrics} and {@code summary} are null while a run
     * is still going (the distributed engine rewrites the file after every epoch).
     */
    static void write(Location file, Map<String, Object> config, List<Map<String, Object>> epochs,
                      Map<String, Object> finalMetrics, Map<String, Object> summary) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("config", config);
        root.put("epochs", epochs);
        if (finalMetrics != null) {
            root.put("final", finalMetrics);
            root.put("summary", summary);
        }
        writeAtomically(file, root);
    }

    /** Writes JSON to a temporary sibling, then renames it over {@code file}. */
    public static void writeAtomically(Location file, Object value) {
        try {
            AtomicFiles.write(file, out -> JSON.writeValue(out, value));
        } catch (IOException e) {
            throw new AveronException(file + ": cannot write (" + e.getMessage() + ")", e);
        }
    }

    public static String headline(EvaluationResult r) {
        if (r.isClassification()) {
            return String.format(Locale.ROOT, "accuracy %.4f, loss %.4f", r.accuracy(), r.loss());
        }
        return String.format(Locale.ROOT, "mse %.5f, mae %.5f, r2 %.4f", r.regression().mse(), r.regression().mae(),
                r.regression().r2());
    }
}
