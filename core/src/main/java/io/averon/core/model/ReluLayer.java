package io.averon.core.model;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.graph.vertex.impl.LayerVertex;
import org.deeplearning4j.nn.layers.ActivationLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.impl.scalar.Step;
import org.nd4j.linalg.factory.Nd4j;

import java.lang.reflect.Field;
import java.util.Map;

/**
 * DL4J's {@code ActivationLayer} for a plain ReLU, one pass each way: the forward pass writes
 * {@code max(x, 0)} to a new array, where DL4J's copies its input and rectifies the copy in place;
 * the backward pass is a Step and a multiply (two vectorised passes), where DL4J's copies its input
 * again and runs libnd4j's {@code relu_bp}, which calls a function object per element. The same
 * values, but for the sign of zeros in the gradient. On the {@code fashion-resnet} lesson, whose
 * residual blocks have their ReLUs as layers (DL4J's batch normalisation ignores an activation),
 * DL4J's took an eighth of the training step (docs/benchmarks.md).
 *
 * <p>{@link #replaceIn} puts one in place of every such layer of a network or graph, as DL4J's
 * {@code FrozenLayer} takes a layer's place: the configuration is untouched, so what is saved,
 * cloned or averaged does not change. Layers with dropout (which DL4J's activation layer ignores)
 * and any other activation stay DL4J's.
 */
final class ReluLayer extends ActivationLayer {

    private ReluLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    /** Replaces the plain-ReLU activation layers of {@code network}; returns how many. */
    static int replaceIn(MultiLayerNetwork network) {
        Layer[] layers = network.getLayers();
        int replaced = 0;
        for (int i = 0; i < layers.length; i++) {
            if (takes(layers[i])) {
                Layer old = layers[i];
                Layer relu = replacing(old);
                layers[i] = relu;
                @SuppressWarnings("unchecked")
                Map<String, Layer> byName = (Map<String, Layer>) field(MultiLayerNetwork.class, "layerMap", network);
                byName.replaceAll((name, layer) -> layer == old ? relu : layer);
                replaced++;
            }
        }
        return replaced;
    }

    /** Replaces the plain-ReLU activation layers of {@code graph}; returns how many. */
    static int replaceIn(ComputationGraph graph) {
        Layer[] layers = graph.getLayers();
        int replaced = 0;
        for (GraphVertex vertex : graph.getVertices()) {
            if (vertex instanceof LayerVertex && takes(vertex.getLayer())) {
                Layer old = vertex.getLayer();
                Layer relu = replacing(old);
                setField(LayerVertex.class, "layer", vertex, relu);
                for (int i = 0; i < layers.length; i++) {
                    if (layers[i] == old) {
                        layers[i] = relu;
                    }
                }
                replaced++;
            }
        }
        return replaced;
    }

    private static boolean takes(Layer layer) {
        if (layer.getClass() != ActivationLayer.class) {
            return false;
        }
        org.deeplearning4j.nn.conf.layers.ActivationLayer conf =
                (org.deeplearning4j.nn.conf.layers.ActivationLayer) layer.conf().getLayer();
        return conf.getIDropout() == null && LayerActivation.isPlainRelu(conf.getActivationFn());
    }

    private static Layer replacing(Layer old) {
        ReluLayer relu = new ReluLayer(old.conf(), ((ActivationLayer) old).getDataType());
        relu.setIndex(old.getIndex());
        relu.setListeners(old.getListeners());
        return relu;
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        INDArray output = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, input.dataType(), input.shape(),
                input.ordering());
        Nd4j.exec(new RectifiedLinear(input, output));
        return output;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        INDArray delta = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, input.dataType(), input.shape(),
                input.ordering());
        Nd4j.exec(new Step(input, delta, 0.0));
        delta.muli(epsilon);
        return new Pair<>(new DefaultGradient(), delta);
    }

    private static Object field(Class<?> owner, String name, Object target) {
        try {
            Field f = owner.getDeclaredField(name);
            f.setAccessible(true);
            return f.get(target);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("DL4J's " + owner.getSimpleName() + " has no field " + name, e);
        }
    }

    private static void setField(Class<?> owner, String name, Object target, Object value) {
        try {
            Field f = owner.getDeclaredField(name);
            f.setAccessible(true);
            f.set(target, value);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("DL4J's " + owner.getSimpleName() + " has no field " + name, e);
        }
    }
}
