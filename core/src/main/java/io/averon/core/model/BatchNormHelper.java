package io.averon.core.model;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNBatchNormHelper;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.layers.normalization.BatchNormalizationHelper;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.FloatBuffer;
import java.util.Map;

/**
 * Batch normalisation of NCHW float activations in training, computed here: each channel's batch
 * mean and variance and then its normalised values while the channel's planes are still in the
 * cache (one read of the input from memory, one write), and the backward pass in two passes
 * (libnd4j's {@code batchnorm_bp} adds a broadcast and a reduction of its own around oneDNN's).
 * DL4J's oneDNN helper computes the statistics with ND4J's generic reductions ({@code mean} and
 * {@code Variance} over dimensions 0, 2 and 3), which walk every channel's scattered planes and
 * cost more than the normalisation itself (on the {@code fashion-resnet} network a tenth of the
 * training step), then normalises in a third pass. Here each plane of one sample's channel is summed where it
 * lies, in float, shifted by the channel's first value (so that a large mean does not swamp the
 * variance), and the planes' sums are added in double.
 *
 * <p>Inference (DL4J's running statistics), other layouts and types go to DL4J's helper unchanged.
 * The statistics equal DL4J's to float rounding, so training does too
 * ({@code BatchNormHelperTest}).
 */
final class BatchNormHelper implements BatchNormalizationHelper {

    private final BatchNormalizationHelper dl4jHelper;
    /** The last training batch's statistics, read by the backward pass and by DL4J's layer (running statistics). */
    private INDArray mean;
    private INDArray variance;
    /** Whether the last training forward pass was this helper's (else DL4J's helper holds the statistics). */
    private boolean ownStatistics;
    private float[] plane = new float[0];
    private float[] deltaPlane = new float[0];
    private long trainingPasses;

    private BatchNormHelper(BatchNormalizationHelper dl4jHelper) {
        this.dl4jHelper = dl4jHelper;
    }

    /**
     * Puts this helper on {@code layer} if it runs DL4J's oneDNN helper and trains its gamma and
     * beta; returns the helper installed, or null (DL4J's own path stays).
     */
    static BatchNormHelper installOn(BatchNormalization layer) {
        if (layer.layerConf().isLockGammaBeta()) {
            return null;
        }
        return HelperSlot.install(layer, BatchNormalization.class, BatchNormHelper.class, MKLDNNBatchNormHelper.class,
                BatchNormHelper::new);
    }

    /** Training forward passes whose statistics this helper computed (tests check it really ran). */
    long trainingPasses() {
        return trainingPasses;
    }

    @Override
    public boolean checkSupported(double eps, boolean fixedGammaBeta) {
        return dl4jHelper.checkSupported(eps, fixedGammaBeta);
    }

    @Override
    public INDArray preOutput(INDArray x, boolean training, long[] shape, INDArray gamma, INDArray beta,
                              INDArray runningMean, INDArray runningVar, double decay, double eps, CNN2DFormat format,
                              LayerWorkspaceMgr workspaceMgr) {
        if (training) {
            ownStatistics = handles(x, format) && gamma != null && beta != null;
        }
        if (!training || !ownStatistics) {
            return dl4jHelper.preOutput(x, training, shape, gamma, beta, runningMean, runningVar, decay, eps, format,
                    workspaceMgr);
        }
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, x.dataType(), x.shape());
        normalise(x, vector(gamma).toFloatVector(), vector(beta).toFloatVector(), eps, out);
        trainingPasses++;
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray epsilon, long[] shape, INDArray gamma,
                                                     INDArray beta, INDArray dGammaView, INDArray dBetaView, double eps,
                                                     CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
        if (!ownStatistics) {
            return dl4jHelper.backpropGradient(input, epsilon, shape, gamma, beta, dGammaView, dBetaView, eps, format,
                    workspaceMgr);
        }
        INDArray delta = dense(epsilon) ? epsilon : epsilon.dup('c');
        INDArray inputGradient = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, input.dataType(),
                input.shape());
        normalisationBackward(input, delta, vector(gamma).toFloatVector(), eps, inputGradient, vector(dGammaView),
                vector(dBetaView));
        Gradient gradient = new DefaultGradient();
        gradient.setGradientFor(BatchNormalizationParamInitializer.GAMMA, dGammaView);
        gradient.setGradientFor(BatchNormalizationParamInitializer.BETA, dBetaView);
        return new Pair<>(gradient, inputGradient);
    }

    @Override
    public INDArray getMeanCache(DataType dataType) {
        return ownStatistics ? mean : dl4jHelper.getMeanCache(dataType);
    }

    @Override
    public INDArray getVarCache(DataType dataType) {
        return ownStatistics ? variance : dl4jHelper.getVarCache(dataType);
    }

    @Override
    public Map<String, Long> helperMemoryUse() {
        return dl4jHelper.helperMemoryUse();
    }

    @Override
    public boolean checkSupported() {
        return dl4jHelper.checkSupported();
    }

    /** Rank-4 NCHW floats in one dense row-major block on the host. */
    private static boolean handles(INDArray x, CNN2DFormat format) {
        return x.rank() == 4 && format == CNN2DFormat.NCHW && x.dataType() == DataType.FLOAT && dense(x)
                && x.length() <= Integer.MAX_VALUE && Nd4j.getEnvironment().isCPU();
    }

    /** Row-major, without gaps, from the start of its buffer (read and written as one block of floats). */
    private static boolean dense(INDArray x) {
        return x.ordering() == 'c' && Shape.hasDefaultStridesForShape(x) && x.offset() == 0;
    }

    /**
     * The batch's per-channel mean and (biased) variance into {@link #mean} and {@link #variance},
     * and {@code out = gamma * (x - mean) / sqrt(variance + eps) + beta}, one channel at a time: its
     * planes are summed, then normalised while they are still in the cache, so that {@code x} comes
     * from memory once (DL4J's oneDNN helper reads it three times: mean, variance, normalisation).
     */
    private void normalise(INDArray x, float[] gammas, float[] betas, double eps, INDArray out) {
        int samples = (int) x.size(0);
        int channels = (int) x.size(1);
        int planeSize = (int) (x.size(2) * x.size(3));
        if (mean == null || mean.length() != channels) {
            try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                mean = Nd4j.createUninitialized(DataType.FLOAT, channels);
                variance = Nd4j.createUninitialized(DataType.FLOAT, channels);
            }
        }
        if (plane.length != planeSize) {
            plane = new float[planeSize];
        }
        FloatBuffer values = x.data().asNioFloat();
        FloatBuffer normalised = out.data().asNioFloat();
        double count = (double) samples * planeSize;
        for (int c = 0; c < channels; c++) {
            float shift = values.get(c * planeSize);
            double sum = 0;
            double squares = 0;
            for (int s = 0; s < samples; s++) {
                values.get((s * channels + c) * planeSize, plane, 0, planeSize);
                float planeSum = 0;
                float planeSquares = 0;
                for (float v : plane) {
                    float d = v - shift;
                    planeSum += d;
                    planeSquares += d * d;
                }
                sum += planeSum;
                squares += planeSquares;
            }
            double shiftedMean = sum / count;
            float channelMean = (float) (shift + shiftedMean);
            float channelVariance = (float) Math.max(0, squares / count - shiftedMean * shiftedMean);
            mean.putScalar(c, channelMean);
            variance.putScalar(c, channelVariance);
            float scale = (float) (gammas[c] / Math.sqrt(channelVariance + eps));
            float offset = betas[c];
            for (int s = 0; s < samples; s++) {
                int at = (s * channels + c) * planeSize;
                values.get(at, plane, 0, planeSize);
                for (int k = 0; k < planeSize; k++) {
                    plane[k] = (plane[k] - channelMean) * scale + offset;
                }
                normalised.put(at, plane, 0, planeSize);
            }
        }
    }

    /**
     * The backward pass of the normalisation, from the statistics of the forward pass: per channel,
     * {@code dBeta = sum(dy)}, {@code dGamma = sum(dy * xhat)} (sums over the batch, as DL4J's
     * gradients are) and {@code dx = gamma / std * (dy - dBeta / m - xhat * dGamma / m)}, with
     * {@code xhat = (x - mean) / std}, {@code std = sqrt(variance + eps)} and {@code m} the values per
     * channel. Two passes over each channel's planes: the sums, then the input gradient.
     */
    private void normalisationBackward(INDArray input, INDArray delta, float[] gammas, double eps, INDArray inputGradient,
                                       INDArray gammaGradient, INDArray betaGradient) {
        int samples = (int) input.size(0);
        int channels = (int) input.size(1);
        int planeSize = (int) (input.size(2) * input.size(3));
        if (deltaPlane.length != planeSize) {
            deltaPlane = new float[planeSize];
        }
        FloatBuffer x = input.data().asNioFloat();
        FloatBuffer dy = delta.data().asNioFloat();
        FloatBuffer dx = inputGradient.data().asNioFloat();
        double count = (double) samples * planeSize;
        for (int c = 0; c < channels; c++) {
            float channelMean = mean.getFloat(c);
            double inverseStd = 1 / Math.sqrt(variance.getDouble(c) + eps);
            double sumDelta = 0;
            double sumDeltaCentred = 0;
            for (int s = 0; s < samples; s++) {
                int at = (s * channels + c) * planeSize;
                x.get(at, plane, 0, planeSize);
                dy.get(at, deltaPlane, 0, planeSize);
                float planeDelta = 0;
                float planeDeltaCentred = 0;
                for (int k = 0; k < planeSize; k++) {
                    planeDelta += deltaPlane[k];
                    planeDeltaCentred += deltaPlane[k] * (plane[k] - channelMean);
                }
                sumDelta += planeDelta;
                sumDeltaCentred += planeDeltaCentred;
            }
            double gammaGrad = sumDeltaCentred * inverseStd;
            betaGradient.putScalar(c, sumDelta);
            gammaGradient.putScalar(c, gammaGrad);
            float scale = (float) (gammas[c] * inverseStd);
            float meanDelta = (float) (sumDelta / count);
            float centredFactor = (float) (gammaGrad * inverseStd / count);
            for (int s = 0; s < samples; s++) {
                int at = (s * channels + c) * planeSize;
                x.get(at, plane, 0, planeSize);
                dy.get(at, deltaPlane, 0, planeSize);
                for (int k = 0; k < planeSize; k++) {
                    deltaPlane[k] = scale * (deltaPlane[k] - meanDelta - (plane[k] - channelMean) * centredFactor);
                }
                dx.put(at, deltaPlane, 0, planeSize);
            }
        }
    }

    /** Gamma, beta and their gradients come as [1, C] views; the ops take [C]. */
    private static INDArray vector(INDArray a) {
        return a.rank() == 1 ? a : a.reshape(a.length());
    }
}
