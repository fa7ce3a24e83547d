package io.averon.driver.training;

import io.averon.core.model.AveronModel;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.FloatBuffer;

/**
 * Moves a model's parameters and updater state to and from one float vector (parameters first),
 * straight between native memory and the reused array: nothing is allocated per round.
 */
public final class ModelVectors {

    private ModelVectors() {
    }

    /** A new vector holding the model's parameters then its updater state. */
    public static float[] of(AveronModel model) {
        INDArray state = model.updaterState();
        float[] vector = new float[(int) (model.numParams() + (state == null ? 0 : state.length()))];
        read(model, vector);
        return vector;
    }

    /** Writes parameters then updater state into {@code vector}; returns the count written. */
    public static int read(AveronModel model, float[] vector) {
        int n = copyOut(model.params(), vector, 0);
        INDArray state = model.updaterState();
        return state == null ? n : n + copyOut(state, vector, n);
    }

    /** Sets parameters (and updater state, when {@code count} covers it) from {@code vector}. */
    public static void write(float[] vector, int count, AveronModel model) {
        int n = copyIn(vector, 0, model.params());
        INDArray state = model.updaterState();
        if (state != null && count > n) {
            copyIn(vector, n, state);
        }
    }

    private static FloatBuffer direct(INDArray array) {
        if (array.dataType() != DataType.FLOAT || array.elementWiseStride() != 1) {
            throw new IllegalStateException("expected a contiguous float32 vector, got " + array.shapeInfoToString());
        }
        FloatBuffer buffer = array.data().asNioFloat();
        buffer.position((int) array.offset());
        return buffer;
    }

    private static int copyOut(INDArray array, float[] into, int at) {
        int n = (int) array.length();
        direct(array).get(into, at, n);
        return n;
    }

    private static int copyIn(float[] from, int at, INDArray array) {
        int n = (int) array.length();
        direct(array).put(from, at, n);
        return n;
    }
}
