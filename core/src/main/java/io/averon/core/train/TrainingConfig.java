package io.averon.core.train;

/**
 * What a training run does, validated on construction. Build with {@link #builder()}. The
 * optimiser is the model's own ({@code ModelFactory.create(spec, shape, outputs, updater, seed)}, or
 * a configuration file's), not a training setting.
 *
 * @param epochs                 passes over the training data, &gt;= 1
 * @param batchSize              minibatch size, &gt;= 1
 * @param seed                   seed for weight init, shuffling and dropout
 * @param earlyStoppingPatience  stop after this many epochs without improvement of the
 *                               validation metric (test accuracy, or test loss for regression)
 *                               and restore the best epoch's parameters; 0 = off
 * @param trainEvalSample        training examples (a fixed seeded sample) evaluated at each epoch
 *                               end for {@code train_accuracy}
 * @param shuffle                reshuffle the training examples every epoch (seeded); false keeps
 *                               data order, like Keras' {@code fit(shuffle=False)}
 * @param augmentation           random image augmentation of training minibatches (none by default)
 */
public record TrainingConfig(int epochs, int batchSize, long seed,
                             int earlyStoppingPatience, int trainEvalSample, boolean shuffle,
                             Augmentation augmentation)
        implements java.io.Serializable {

    /** The default minibatch: chosen for throughput and accuracy together (docs/benchmarks.md). */
    public static final int DEFAULT_BATCH_SIZE = 128;

    public TrainingConfig {
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        if (earlyStoppingPatience < 0) {
            throw new IllegalArgumentException("early-stopping patience must be >= 0, got " + earlyStoppingPatience);
        }
        if (augmentation == null) {
            throw new IllegalArgumentException("augmentation is required (Augmentation.none() for none)");
        }
        if (trainEvalSample < 0) {
            throw new IllegalArgumentException("train evaluation sample must be >= 0, got " + trainEvalSample);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builder with Averon's defaults: 5 epochs, batch 128, seed 42, no early stopping. */
    public static final class Builder {
        private int epochs = 5;
        private int batchSize = DEFAULT_BATCH_SIZE;
        private long seed = 42;
        private int earlyStoppingPatience;
        private int trainEvalSample = 10_000;
        private boolean shuffle = true;
        private Augmentation augmentation = Augmentation.none();

        private Builder() {
        }

        public Builder epochs(int value) {
            epochs = value;
            return this;
        }

        public Builder batchSize(int value) {
            batchSize = value;
            return this;
        }

        public Builder seed(long value) {
            seed = value;
            return this;
        }

        public Builder earlyStoppingPatience(int value) {
            earlyStoppingPatience = value;
            return this;
        }

        public Builder trainEvalSample(int value) {
            trainEvalSample = value;
            return this;
        }

        public Builder shuffle(boolean value) {
            shuffle = value;
            return this;
        }

        public Builder augmentation(Augmentation value) {
            augmentation = value;
            return this;
        }

        public TrainingConfig build() {
            return new TrainingConfig(epochs, batchSize, seed, earlyStoppingPatience, trainEvalSample, shuffle,
                    augmentation);
        }
    }
}
