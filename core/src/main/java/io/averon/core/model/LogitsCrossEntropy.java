package io.averon.core.model;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Softmax cross-entropy computed from logits: Keras'
 * {@code SparseCategoricalCrossentropy(from_logits=True)}. The output layer keeps an identity
 * activation and emits logits; this loss applies the softmax itself, in the numerically stable
 * form {@code logsumexp(z) - z[true class]}, with gradient {@code softmax(z) - y}.
 *
 * <p>{@link AveronModel#output} recognises a model trained with this loss and returns softmax
 * probabilities at prediction time, so evaluation, scoring and reports see probabilities, as with
 * Keras' {@code Sequential([model, Softmax()])}.
 */
public final class LogitsCrossEntropy implements ILossFunction {

    private static final long serialVersionUID = 1L;

    @Override
    public double computeScore(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask,
                               boolean average) {
        double sum = computeScoreArray(labels, preOutput, activationFn, mask).sumNumber().doubleValue();
        return average ? sum / labels.size(0) : sum;
    }

    @Override
    public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        INDArray logits = activationFn.getActivation(preOutput.dup(), true);
        INDArray max = logits.max(1);
        INDArray shifted = logits.subColumnVector(max);
        INDArray logSumExp = Transforms.log(Transforms.exp(shifted, false).sum(1), false).addi(max);
        INDArray trueLogit = logits.mul(labels).sum(1);
        INDArray score = logSumExp.subi(trueLogit).reshape(labels.size(0), 1);
        return mask == null ? score : score.muli(mask.reshape(labels.size(0), 1));
    }

    @Override
    public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        INDArray logits = activationFn.getActivation(preOutput.dup(), true);
        INDArray dLdz = softmax(logits).subi(labels);
        INDArray grad = activationFn.backprop(preOutput.dup(), dLdz).getFirst();
        return mask == null ? grad : grad.muliColumnVector(mask.reshape(labels.size(0), 1).castTo(grad.dataType()));
    }

    @Override
    public Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray preOutput, IActivation activationFn,
                                                          INDArray mask, boolean average) {
        return new Pair<>(computeScore(labels, preOutput, activationFn, mask, average),
                computeGradient(labels, preOutput, activationFn, mask));
    }

    /** Row-wise softmax of {@code logits} (a new array). */
    public static INDArray softmax(INDArray logits) {
        INDArray shifted = logits.subColumnVector(logits.max(1));
        INDArray exp = Transforms.exp(shifted, false);
        return exp.diviColumnVector(exp.sum(1));
    }

    @Override
    public String name() {
        return "LogitsCrossEntropy";
    }

    @Override
    public String toString() {
        return "LogitsCrossEntropy()";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LogitsCrossEntropy;
    }

    @Override
    public int hashCode() {
        return LogitsCrossEntropy.class.hashCode();
    }
}
