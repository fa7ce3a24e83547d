package io.averon.core.train;

import io.averon.core.model.AveronModel;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

/**
 * Early stopping, as a listener both engines install when {@link TrainingConfig#earlyStoppingPatience()}
 * is above 0: it keeps the parameters of the best epoch so far (highest test accuracy, or lowest
 * test loss for regression), asks to stop once {@code patience} epochs in a row were no better,
 * and at the end puts the best epoch's parameters back ({@link #finish}), like Keras'
 * {@code EarlyStopping(restore_best_weights=True)}.
 */
public final class EarlyStopping implements TrainingListener {

    private final int patience;
    private double best = Double.NEGATIVE_INFINITY;
    private int bestEpoch;
    private int lastEpoch;
    private EvaluationResult bestMetrics;
    private INDArray bestParams;

    /** @param patience epochs without improvement before stopping, &gt;= 1 */
    public EarlyStopping(int patience) {
        if (patience < 1) {
            throw new IllegalArgumentException("patience must be >= 1, got " + patience);
        }
        this.patience = patience;
    }

    @Override
    public void onEpochModel(EpochRecord record, AveronModel model) {
        lastEpoch = record.epoch();
        EvaluationResult test = record.test();
        double score = test.isClassification() ? test.accuracy() : -test.loss();
        if (score > best) {
            best = score;
            bestEpoch = record.epoch();
            bestMetrics = test;
            bestParams = model.params().dup();
        }
    }

    @Override
    public boolean stopRequested() {
        return bestParams != null && lastEpoch - bestEpoch >= patience;
    }

    /**
     * The run's result: when a later epoch was worse, {@code model} gets the best epoch's parameters
     * back and the result names that epoch and its metrics.
     *
     * @param plannedEpochs the run's {@code --epochs}: fewer records mean it stopped early
     */
    public TrainingResult finish(AveronModel model, List<EpochRecord> records, int plannedEpochs) {
        EpochRecord last = records.get(records.size() - 1);
        boolean stoppedEarly = last.epoch() < plannedEpochs;
        if (bestParams == null || bestEpoch == last.epoch()) {
            return new TrainingResult(records, last.test(), last.epoch(), stoppedEarly);
        }
        model.setParams(bestParams);
        return new TrainingResult(records, bestMetrics, bestEpoch, stoppedEarly);
    }
}
