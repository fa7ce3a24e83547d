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
     * The learning rate used when the user gives none: Keras' 1e-3 for Adam (2e-3 for the CNN,
     * which reaches 0.889 instead of 0.884 on Fashion-MNIST in 2 epochs: docs/benchmarks.md),
     * 1e-2 for SGD and Nesterov momentum.
     */
    public double defaultLearningRate(Optimizer optimizer) {
        if (optimizer != Optimizer.ADAM) {
            return 1e-2;
        }
        return this == CNN ? 2e-3 : 1e-3;
    }

    /** Whether it predicts a real value rather than a class. */
    public boolean regression() {
        return this == LINEAR;
    }

    public static Optional<ModelPreset> byId(String id) {
        return Arrays.stream(values()).filter(p -> p.id().equals(id)).findFirst();
    }
}
