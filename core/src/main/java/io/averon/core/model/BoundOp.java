package io.averon.core.model;

import org.nd4j.linalg.api.blas.params.MMulTranspose;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.CustomOp;
import org.nd4j.linalg.api.ops.Op;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.ops.impl.reduce.Mmul;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/**
 * An ND4J operation built once and run many times through one native op context that keeps its
 * arrays and arguments. ND4J's usual call ({@code Nd4j.exec(new SomeOp(...))}) builds a new op
 * object, a new native context and new argument pointers, and checks shapes, every time: about
 * 30 us per call on this project's machines, more than the arithmetic of a small layer's ops (a
 * 16x256 ReLU takes 4 us through a kept context, a 16x256 by 256x10 product 9 us; the same op, the
 * same values bit for bit). A training step that runs the same few dozen operations on the same
 * arrays every minibatch binds them once ({@link SequentialNetworkStep}).
 *
 * <p>An input that changes from call to call (the minibatch) is rebound with {@link #input}; the
 * op's other arrays must live as long as it does. Owned by one thread; {@link #close} frees the
 * native context.
 */
final class BoundOp implements AutoCloseable {

    private final Op legacyOp;
    private final CustomOp customOp;
    private final OpContext context;
    private final INDArray[] inputs;

    private BoundOp(Op legacyOp, CustomOp customOp, INDArray[] inputs, INDArray[] outputs) {
        this.legacyOp = legacyOp;
        this.customOp = customOp;
        this.inputs = inputs.clone();
        this.context = Nd4j.getExecutioner().buildContext();
        context.setInputArrays(inputs);
        context.setOutputArrays(outputs);
        if (customOp != null) {
            context.setIArguments(customOp.iArgs());
            context.setTArguments(customOp.tArgs());
            context.setBArguments(customOp.bArgs());
            context.setDArguments(customOp.dArgs());
        }
    }

    /** A custom op (its inputs, outputs and arguments as built). */
    static BoundOp of(CustomOp op) {
        return new BoundOp(null, op, op.inputArguments().toArray(new INDArray[0]),
                op.outputArguments().toArray(new INDArray[0]));
    }

    /** A legacy op (transform, scalar, pairwise): its x (and y) in, its z out; scalars and extra arguments stay the op's. */
    static BoundOp of(Op op) {
        INDArray[] in = op.y() == null ? new INDArray[] {op.x()} : new INDArray[] {op.x(), op.y()};
        return new BoundOp(op, null, in, new INDArray[] {op.z()});
    }

    /** {@code c = alpha * op(a) op(b) + beta * c}, as {@code Nd4j.gemm} computes it, {@code c} a dense array. */
    static BoundOp gemm(INDArray a, INDArray b, INDArray c, boolean transposeA, boolean transposeB, double alpha,
                        double beta) {
        if (c.elementWiseStride() != 1) {
            throw new IllegalArgumentException("gemm's output must be dense, got a view " + Arrays.toString(c.shape()));
        }
        return of(new Mmul(a, b, c, alpha, beta,
                MMulTranspose.builder().transposeA(transposeA).transposeB(transposeB).build()));
    }

    /** Rebinds input {@code index} to {@code array} (same shape and type as the op was built for); returns this. */
    BoundOp input(int index, INDArray array) {
        if (inputs[index] != array) {
            context.setInputArray(index, array);
            inputs[index] = array;
        }
        return this;
    }

    /** Runs the op on its bound arrays. */
    void run() {
        if (customOp != null) {
            Nd4j.getExecutioner().exec(customOp, context);
        } else {
            Nd4j.getExecutioner().exec(legacyOp, context);
        }
    }

    /** Closes {@code op} if there is one. */
    static void release(BoundOp op) {
        if (op != null) {
            op.close();
        }
    }

    @Override
    public void close() {
        try {
            context.close();
        } catch (Exception e) {
            throw new IllegalStateException("could not free an ND4J op context", e);
        }
    }
}
