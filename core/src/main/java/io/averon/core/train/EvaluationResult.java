package io.averon.core.train;

import io.averon.core.metrics.ClassificationMetrics;
import io.averon.core.metrics.RegressionMetrics;

import java.util.List;
import java.util.Map;

/**
 * Metrics of a model on one data set: classification or regression. The loss is reported beside
 * the metrics, never instead of them.
 *
 * @param classification set for classifiers, else null
 * @param regression     set for regression models, else null
 * @param classNames     class names (empty for regression)
 */
public record EvaluationResult(ClassificationMetrics classification, RegressionMetrics regression,
                               List<String> classNames) {

    public EvaluationResult {
        if ((classification == null) == (regression == null)) {
            throw new IllegalArgumentException("exactly one of classification and regression metrics");
        }
        classNames = List.copyOf(classNames);
    }

    public boolean isClassification() {
        return classification != null;
    }

    /** Mean loss: cross-entropy for classifiers, MSE for regression. */
    public double loss() {
        return classification != null ? classification.meanLoss() : regression.meanLoss();
    }

    /** Accuracy for classifiers; NaN for regression. */
    public double accuracy() {
        return classification != null ? classification.accuracy() : Double.NaN;
    }

    public long count() {
        return classification != null ? classification.count() : regression.count();
    }

    /** The object written as {@code final} in metrics.json and printed by {@code evaluate --json}. */
    public Map<String, Object> toJson() {
        return classification != null ? classification.toJson(classNames) : regression.toJson();
    }

    /** The raw, mergeable state of the metrics (what a worker reports for its partition). */
    public Map<String, Object> state() {
        return classification != null ? Map.of("classification", classification.state())
                : Map.of("regression", regression.state());
    }

    /** Rebuilds a result from {@link #state()} as parsed from JSON. */
    @SuppressWarnings("unchecked")
    public static EvaluationResult fromState(Map<String, ?> state, List<String> classNames) {
        Object c = state.get("classification");
        if (c instanceof Map<?, ?> map) {
            return new EvaluationResult(ClassificationMetrics.fromState((Map<String, ?>) map), null, classNames);
        }
        Object r = state.get("regression");
        if (r instanceof Map<?, ?> map) {
            return new EvaluationResult(null, RegressionMetrics.fromState((Map<String, ?>) map), List.of());
        }
        throw new IllegalArgumentException("metrics state has neither classification nor regression metrics");
    }

    /** This result merged with {@code other} (neither is changed). */
    public EvaluationResult merge(EvaluationResult other) {
        if (classification != null) {
            ClassificationMetrics merged = ClassificationMetrics.fromState(classification.state());
            merged.merge(other.classification);
            return new EvaluationResult(merged, null, classNames);
        }
        RegressionMetrics merged = RegressionMetrics.fromState(regression.state());
        merged.merge(other.regression);
        return new EvaluationResult(null, merged, classNames);
    }

    /** Human-readable report: accuracy, per-class table and confusion matrix (or MSE/MAE/R²). */
    public String formatReport() {
        return classification != null ? classification.formatReport(classNames) : regression.formatReport();
    }
}
