package io.averon.core.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Adam;

import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * DL4J's Adam step, computed in one pass over the block in Java instead of libnd4j's
 * {@code adam_updater} op, whose scalar loop (a square root and a division per parameter) cost
 * about 1.2 ms of a 5 ms {@code mlp} step (docs/benchmarks.md). It reads and writes the same
 * updater-state view as DL4J's {@link org.nd4j.linalg.learning.AdamUpdater} (first half the first
 * moment, second half the second), and evaluates the op's float expressions in the op's order, so
 * moments and updates are bit-identical to it ({@code FusedAdamUpdaterTest}).
 *
 * <p>Works through small heap chunks, which the JIT vectorises; arrays it cannot read as one
 * contiguous float run go to libnd4j's op, as before. Reads and writes host memory: CPU backend
 * only ({@link AveronModel} installs it there). Not thread-safe: one per updater block, as DL4J's.
 */
final class FusedAdamUpdater implements GradientUpdater<Adam> {

    /** Parameters per pass through the heap chunks (3 x 32 KB: stays in L1/L2). */
    static final int CHUNK = 8192;

    private final Adam config;
    private INDArray m;
    private INDArray v;
    private final float[] moment1 = new float[CHUNK];
    private final float[] moment2 = new float[CHUNK];
    private final float[] values = new float[CHUNK];
    private long fusedPasses;

    FusedAdamUpdater(Adam config, INDArray stateView) {
        this.config = config;
        setStateViewArray(stateView, new long[] {stateView.length() / 2}, 'c', false);
    }

    @Override
    public Adam getConfig() {
        return config;
    }

    @Override
    public void setState(Map<String, INDArray> stateMap, boolean initialize) {
        if (!stateMap.containsKey(org.nd4j.linalg.learning.AdamUpdater.M_STATE)
                || !stateMap.containsKey(org.nd4j.linalg.learning.AdamUpdater.V_STATE) || stateMap.size() != 2) {
            throw new IllegalStateException("Adam state needs exactly M and V, got " + stateMap.keySet());
        }
        m = stateMap.get(org.nd4j.linalg.learning.AdamUpdater.M_STATE);
        v = stateMap.get(org.nd4j.linalg.learning.AdamUpdater.V_STATE);
    }

    @Override
    public Map<String, INDArray> getState() {
        Map<String, INDArray> state = new HashMap<>();
        state.put(org.nd4j.linalg.learning.AdamUpdater.M_STATE, m);
        state.put(org.nd4j.linalg.learning.AdamUpdater.V_STATE, v);
        return state;
    }

    @Override
    public void setStateViewArray(INDArray viewArray, long[] gradientShape, char gradientOrder, boolean initialize) {
        if (initialize) {
            viewArray.assign(0);
        }
        INDArray flat = viewArray.reshape(viewArray.length());
        long half = flat.length() / 2;
        m = flat.get(NDArrayIndex.interval(0, half));
        v = flat.get(NDArrayIndex.interval(half, flat.length()));
    }

    @Override
    public void applyUpdater(INDArray gradient, int iteration, int epoch) {
        double learningRate = config.getLearningRate(iteration, epoch);
        if (!contiguousFloats(gradient) || !contiguousFloats(m) || !contiguousFloats(v)
                || gradient.length() != m.length()) {
            Nd4j.exec(new org.nd4j.linalg.api.ops.impl.updaters.AdamUpdater(gradient.reshape(v.shape()), v, m,
                    learningRate, config.getBeta1(), config.getBeta2(), config.getEpsilon(), iteration));
            return;
        }
        float lr = (float) learningRate;
        float beta1 = (float) config.getBeta1();
        float beta2 = (float) config.getBeta2();
        float epsilon = config.getEpsilon() == 0 ? 1e-7f : (float) config.getEpsilon();
        // as libnd4j's adam_updater: bias corrections folded into one step size, in its float/double mix
        float step = 1f + iteration;
        float beta1Power = (float) Math.pow(beta1, step);
        float beta2Power = (float) Math.pow(beta2, step);
        float stepSize = (float) ((double) (lr * (float) Math.sqrt((float) (1.0 - beta2Power))) / (1.0 - beta1Power));
        if (Float.isNaN(stepSize) || Float.isInfinite(stepSize) || stepSize == 0) {
            stepSize = epsilon;
        }
        float keep1 = 1f - beta1;
        float keep2 = 1f - beta2;
        FloatBuffer g = gradient.data().asNioFloat();
        FloatBuffer m1 = m.data().asNioFloat();
        FloatBuffer m2 = v.data().asNioFloat();
        int gradientBase = g.position(); // ND4J positions a view's buffer at the view's first element
        int m1Base = m1.position();
        int m2Base = m2.position();
        int length = (int) gradient.length();
        for (int start = 0; start < length; start += CHUNK) {
            int n = Math.min(CHUNK, length - start);
            g.get(gradientBase + start, values, 0, n);
            m1.get(m1Base + start, moment1, 0, n);
            m2.get(m2Base + start, moment2, 0, n);
            for (int i = 0; i < n; i++) {
                float gi = values[i];
                float mi = beta1 * moment1[i] + gi * keep1;
                float vi = beta2 * moment2[i] + gi * gi * keep2;
                moment1[i] = mi;
                moment2[i] = vi;
                values[i] = (mi * stepSize) / ((float) Math.sqrt(vi) + epsilon);
            }
            g.put(gradientBase + start, values, 0, n);
            m1.put(m1Base + start, moment1, 0, n);
            m2.put(m2Base + start, moment2, 0, n);
        }
        fusedPasses++;
    }

    /** Updates computed by the Java pass, not handed to libnd4j's op (tests check the pass really ran). */
    long fusedPasses() {
        return fusedPasses;
    }

    private static boolean contiguousFloats(INDArray array) {
        if (array.dataType() != DataType.FLOAT || array.elementWiseStride() != 1 || array.length() >= Integer.MAX_VALUE) {
            return false;
        }
        FloatBuffer buffer = array.data().asNioFloat();
        return buffer.position() + array.length() <= buffer.capacity();
    }
}
