package io.averon.core.runtime;

import io.averon.core.model.AveronModel;
import io.averon.core.model.ModelFactory;
import io.averon.core.model.ModelSpec;
import io.averon.core.model.UpdaterSpec;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.layers.LayerHelper;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Run in a child JVM by {@link NativeRuntimeTest} (the native build is fixed per JVM when ND4J
 * loads): {@code HelperProbe true|false} configures the runtime, builds the {@code cnn} preset for
 * 1x28x28 images and 10 classes, fits one minibatch of random data, and prints one
 * {@code LAYER <class> HELPER <class|null>} line per layer, then {@code DESCRIBE <map>}.
 */
public final class HelperProbe {

    private HelperProbe() {
    }

    public static void main(String[] args) {
        boolean oneDnn = Boolean.parseBoolean(args[0]);
        NativeRuntime.configure(new NativeSettings(1, oneDnn)); // before anything touches ND4J
        AveronModel model = ModelFactory.create(ModelSpec.parse("cnn"), new int[] {1, 28, 28}, 10,
                UpdaterSpec.adam(1e-3), 42);
        int batch = 8;
        Nd4j.getRandom().setSeed(1);
        INDArray features = Nd4j.rand(DataType.FLOAT, batch, 28 * 28);
        INDArray labels = Nd4j.zeros(DataType.FLOAT, batch, 10);
        for (int i = 0; i < batch; i++) {
            labels.putScalar(i, i % 10, 1f);
        }
        model.fit(features, labels);
        System.out.println("LOSS " + model.lastLoss());
        for (Layer layer : model.layers()) {
            LayerHelper helper = layer.getHelper();
            System.out.println("LAYER " + layer.getClass().getName() + " HELPER "
                    + (helper == null ? "null" : helper.getClass().getName()));
        }
        System.out.println("DESCRIBE " + NativeRuntime.describe());
    }
}
