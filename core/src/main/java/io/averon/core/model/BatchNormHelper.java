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
 * Batch normalisation of NCHW float activations in training, computed here one channel at a time
 * on the channel's planes gathered into a block on the heap ({@link ChannelBlocks}): the batch's
 * mean and variance, then the normalised values (one read of the input from memory, one write),
 * and going back, the sums and the input gradient (one read each of the input and its gradient;
 * libnd4j's {@code batchnorm_bp} adds a broadcast and a reduction of its own around oneDNN's).
 * DL4J's oneDNN helper computes the statistics with ND4J's generic reductions ({@code mean} and
 * {@code Variance} over dimensions 0, 2 and 3), which walk every channel's scattered planes and
 * cost more than the normalisation itself (on the {@code fashion-resnet} network a tenth of the
 * training step), then normalises in a third pass. Here each plane of the block is summed in float,
 * shifted by the channel's first value (so that a large mean does not swamp the variance), and the
 * planes' sums are added in double.
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
     * and {@code out = gamma * (x - mean) / sqrt(variance + eps) + beta}, one channel at a time: the
     * channel's planes are copied into one on-heap block, summed and normalised there, and copied
     * out, so that {@code x} comes from memory once (DL4J's oneDNN helper reads it three times:
     * mean, variance, normalisation). Channels are split among ND4J's threads.
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
        float[] means = new float[channels];
        float[] variances = new float[channels];
        int length = samples * planeSize;
        FloatBuffer values = x.data().asNioFloat();
        FloatBuffer normalised = out.data().asNioFloat();
        ChannelBlocks.forEachChannel(samples, planeSize, channels, (blocks, c) -> {
            float[] block = blocks.first;
            blocks.read(values, c, block);
            float shift = block[0];
            double sum = 0;
            double squares = 0;
            for (int at = 0; at < length; at += planeSize) {
                shiftedSums(block, at, planeSize, shift, blocks.sums);
                sum += blocks.sums[0];
                squares += blocks.sums[1];
            }
            double shiftedMean = sum / length;
            float channelMean = (float) (shift + shiftedMean);
            float channelVariance = (float) Math.max(0, squares / length - shiftedMean * shiftedMean);
            means[c] = channelMean;
            variances[c] = channelVariance;
            float scale = (float) (gammas[c] / Math.sqrt(channelVariance + eps));
            float offset = betas[c];
            for (int k = 0; k < length; k++) {
                block[k] = (block[k] - channelMean) * scale + offset;
            }
            blocks.write(block, c, normalised);
        });
        mean.data().asNioFloat().put(0, means);
        variance.data().asNioFloat().put(0, variances);
    }

    /**
     * The backward pass of the normalisation, from the statistics of the forward pass: per channel,
     * {@code dBeta = sum(dy)}, {@code dGamma = sum(dy * xhat)} (sums over the batch, as DL4J's
     * gradients are) and {@code dx = gamma / std * (dy - dBeta / m - xhat * dGamma / m)}, with
     * {@code xhat = (x - mean) / std}, {@code std = sqrt(variance + eps)} and {@code m} the values per
     * channel. Each channel's planes of {@code x} and {@code dy} are copied into on-heap blocks once:
     * the sums, then the input gradient, in place of {@code dy}'s block. Channels are split among
     * ND4J's threads.
     */
    private void normalisationBackward(INDArray input, INDArray delta, float[] gammas, double eps, INDArray inputGradient,
                                       INDArray gammaGradient, INDArray betaGradient) {
        int samples = (int) input.size(0);
        int channels = (int) input.size(1);
        int planeSize = (int) (input.size(2) * input.size(3));
        float[] means = mean.toFloatVector();
        float[] variances = variance.toFloatVector();
        double[] betaGradients = new double[channels];
        double[] gammaGradients = new double[channels];
        int length = samples * planeSize;
        FloatBuffer x = input.data().asNioFloat();
        FloatBuffer dy = delta.data().asNioFloat();
        FloatBuffer dx = inputGradient.data().asNioFloat();
        ChannelBlocks.forEachChannel(samples, planeSize, channels, (blocks, c) -> {
            float[] xBlock = blocks.first;
            float[] dyBlock = blocks.second;
            blocks.read(x, c, xBlock);
            blocks.read(dy, c, dyBlock);
            float channelMean = means[c];
            double inverseStd = 1 / Math.sqrt(variances[c] + eps);
            double sumDelta = 0;
            double sumDeltaCentred = 0;
            for (int at = 0; at < length; at += planeSize) {
                deltaSums(dyBlock, xBlock, at, planeSize, channelMean, blocks.sums);
                sumDelta += blocks.sums[0];
                sumDeltaCentred += blocks.sums[1];
            }
            double gammaGrad = sumDeltaCentred * inverseStd;
            betaGradients[c] = sumDelta;
            gammaGradients[c] = gammaGrad;
            float scale = (float) (gammas[c] * inverseStd);
            float meanDelta = (float) (sumDelta / length);
            float centredFactor = (float) (gammaGrad * inverseStd / length);
            for (int k = 0; k < length; k++) {
                dyBlock[k] = scale * (dyBlock[k] - meanDelta - (xBlock[k] - channelMean) * centredFactor);
            }
            blocks.write(dyBlock, c, dx);
        });
        for (int c = 0; c < channels; c++) {
            betaGradient.putScalar(c, betaGradients[c]);
            gammaGradient.putScalar(c, gammaGradients[c]);
        }
    }

    /**
     * {@code sum(x - shift)} and {@code sum((x - shift)^2)} over {@code x[at, at + n)} into
     * {@code result}: one plane's sums in float, four running sums each so that the additions
     * overlap (a single running sum waits on each addition before the next).
     */
    private static void shiftedSums(float[] x, int at, int n, float shift, float[] result) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0, q0 = 0, q1 = 0, q2 = 0, q3 = 0;
        int k = at;
        for (int end = at + n - 3; k < end; k += 4) {
            float d0 = x[k] - shift, d1 = x[k + 1] - shift, d2 = x[k + 2] - shift, d3 = x[k + 3] - shift;
            s0 += d0; s1 += d1; s2 += d2; s3 += d3;
            q0 += d0 * d0; q1 += d1 * d1; q2 += d2 * d2; q3 += d3 * d3;
        }
        for (; k < at + n; k++) {
            float d = x[k] - shift;
            s0 += d;
            q0 += d * d;
        }
        result[0] = (s0 + s1) + (s2 + s3);
        result[1] = (q0 + q1) + (q2 + q3);
    }

    /** {@code sum(dy)} and {@code sum(dy * (x - mean))} over {@code [at, at + n)} into {@code result}, as {@link #shiftedSums}. */
    private static void deltaSums(float[] dy, float[] x, int at, int n, float mean, float[] result) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0, c0 = 0, c1 = 0, c2 = 0, c3 = 0;
        int k = at;
        for (int end = at + n - 3; k < end; k += 4) {
            s0 += dy[k]; s1 += dy[k + 1]; s2 += dy[k + 2]; s3 += dy[k + 3];
            c0 += dy[k] * (x[k] - mean); c1 += dy[k + 1] * (x[k + 1] - mean);
            c2 += dy[k + 2] * (x[k + 2] - mean); c3 += dy[k + 3] * (x[k + 3] - mean);
        }
        for (; k < at + n; k++) {
            s0 += dy[k];
            c0 += dy[k] * (x[k] - mean);
        }
        result[0] = (s0 + s1) + (s2 + s3);
        result[1] = (c0 + c1) + (c2 + c3);
    }

    /** Gamma, beta and their gradients come as [1, C] views; the ops take [C]. */
    private static INDArray vector(INDArray a) {
        return a.rank() == 1 ? a : a.reshape(a.length());
    }
}
