package io.averon.core.model;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** The built-in model architectures, selected by name on the command line. */
public enum ModelPreset {
    /** Linear regression: one identity output, MSE loss. */
    LINEAR(false),
    /** Multinomial logistic regression: one softmax layer. */
    LOGISTIC(false),
    /** Keras-tutorial MLP: Flatten, Dense 256 ReLU, Dropout 0.2, Dense softmax. */
    MLP(false),
    /** LeNet-like CNN: two conv+max-pool blocks, Dense 500 ReLU, softmax. */
    CNN(true);

    private final boolean convolutional;

    ModelPreset(boolean convolutional) {
        this.convolutional = convolutional;
    }

    /** The name used on the command line. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether the model has convolution/pooling layers (where oneDNN pays). */
    public boolean convolutional() {
        return convolutional;
    }

    /**
     * The learning rate used when the user gives none: Keras' 1e-3 for Adam, except the CNN (2e-3: 0.889
     * instead of 0.884 on Fashion-MNIST in 2 epochs) and the MLP (2e-3 with its linear decay, see
     * {@link #defaultSchedule}); 1e-2 for SGD and Nesterov momentum.
     */
    public double defaultLearningRate(Optimizer optimizer) {
        if (optimizer != Optimizer.ADAM) {
            return 1e-2;
        }
        return this == CNN || this == MLP ? 2e-3 : 1e-3;
    }

    /**
     * The per-epoch schedule used when the user gives none: the MLP with Adam decays its rate linearly
     * to 0 over the run (5 epochs on Fashion-MNIST: 0.8721 on 2 Spark workers averaging once per epoch
     * instead of 0.8666 at a constant 1e-3; 0.8801 instead of 0.8774 on the local engine:
     * docs/benchmarks.md); every other preset keeps a constant rate.
     */
    public LrSchedule defaultSchedule(Optimizer optimizer) {
        return this == MLP && optimizer == Optimizer.ADAM ? LrSchedule.LINEAR : LrSchedule.CONSTANT;
    }

    /** Whether it predicts a real value rather than a class. */
    public boolean regression() {
        return this == LINEAR;
    }

    public static Optional<ModelPreset> byId(String id) {
        return Arrays.stream(values()).filter(p -> p.id().equals(id)).findFirst();
    }
}
