package io.averon.core.train;

import io.averon.core.settings.Setting;
import io.averon.core.settings.SettingValues;

import java.util.List;
import java.util.Map;

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

    public static final Setting<Integer> EPOCHS = Setting.atLeast("epochs", 5, 1, "Passes over the training data.");
    /** Its default was chosen for throughput and accuracy together (docs/benchmarks.md). */
    public static final Setting<Integer> BATCH_SIZE = Setting.atLeast("batch-size", 128, 1,
            "Minibatch size; spark: the global minibatch, split evenly among the workers.");
    public static final Setting<Long> SEED = Setting.of("seed", Long.class, 42L,
            "Seeds weights, shuffling, dropout and splits.");
    public static final Setting<Integer> EARLY_STOPPING = Setting.atLeast("early-stopping", 0, 0,
            "Stop after this many epochs without a better test metric and keep the best epoch's parameters (0 = off).")
            .recordedAs("early_stopping_patience");
    public static final Setting<Boolean> SHUFFLE = Setting.of("shuffle", Boolean.class, true,
            "Reshuffle the training examples every epoch (seeded); --no-shuffle keeps the data order.");
    public static final Setting<String> AUGMENT = Setting.of("augment", String.class, null,
            "Random image augmentation of training minibatches (spark: in the executors): crop = random crop with "
                    + "zero padding (default 4 pixels), flip = random horizontal flip. Default: none.");

    /** Every setting of a training run, in the order metrics.json records them. */
    public static final List<Setting<?>> SETTINGS = List.of(EPOCHS, BATCH_SIZE, SEED, SHUFFLE, EARLY_STOPPING, AUGMENT);

    public TrainingConfig {
        EPOCHS.validate(epochs);
        BATCH_SIZE.validate(batchSize);
        EARLY_STOPPING.validate(earlyStoppingPatience);
        if (augmentation == null) {
            throw new IllegalArgumentException("augmentation is required (Augmentation.none() for none)");
        }
        if (trainEvalSample < 0) {
            throw new IllegalArgumentException("train evaluation sample must be >= 0, got " + trainEvalSample);
        }
    }

    /** The settings as metrics.json's {@code config} records them. */
    public Map<String, Object> settings() {
        return new SettingValues().put(EPOCHS, epochs).put(BATCH_SIZE, batchSize).put(SEED, seed)
                .put(SHUFFLE, shuffle).put(EARLY_STOPPING, earlyStoppingPatience).put(AUGMENT, augmentation.toString())
                .toMap();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builder with the settings' defaults ({@link #SETTINGS}). */
    public static final class Builder {
        private int epochs = EPOCHS.defaultValue();
        private int batchSize = BATCH_SIZE.defaultValue();
        private long seed = SEED.defaultValue();
        private int earlyStoppingPatience = EARLY_STOPPING.defaultValue();
        private int trainEvalSample = 10_000;
        private boolean shuffle = SHUFFLE.defaultValue();
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
