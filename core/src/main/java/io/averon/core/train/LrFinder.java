package io.averon.core.train;

import io.averon.core.settings.Setting;

import io.averon.core.InvalidInputException;
import io.averon.core.data.ArrayDataSet;
import io.averon.core.model.AveronModel;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The learning-rate range test (Leslie Smith, "Cyclical Learning Rates for Training Neural
 * Networks", 2017; fast.ai's {@code lr_find}): from the model's current weights, {@code steps}
 * minibatch steps with the learning rate growing exponentially from {@code startLr} to
 * {@code endLr}, recording every step's loss, until the steps run out or the smoothed loss
 * diverges. How the curve is smoothed and the rate suggested: {@link LrCurve}.
 *
 * <p>Minibatches are full {@code batchSize} batches (a data set smaller than one batch is one
 * batch) in a seeded order, reshuffled after every pass, as {@link LocalTrainer} orders them.
 *
 * <pre>{@code
 * LrCurve curve = new LrFinder(LrFinder.Config.builder().batchSize(64).build()).run(model, data.train());
 * double rate = curve.suggestedRate();
 * }</pre>
 */
public final class LrFinder {

    private final Config config;

    public LrFinder(Config config) {
        this.config = config;
    }

    public Config config() {
        return config;
    }

    /**
     * Runs the test on a copy of {@code model} (its configuration and current parameters, a fresh
     * optimiser state): {@code model} itself is not changed.
     */
    public LrCurve run(AveronModel model, ArrayDataSet train) {
        AveronModel copy = AveronModel.fromConfiguration(model.kind(), model.configurationJson());
        copy.setParams(model.params());
        return runInPlace(copy, train);
    }

    /**
     * Runs the test on {@code model} itself, which it changes (parameters, optimiser state,
     * learning rate): for a model that is a copy already, such as one rebuilt in a Spark task.
     */
    public LrCurve runInPlace(AveronModel model, ArrayDataSet train) {
        if (train.size() == 0) {
            throw new InvalidInputException(train.name() + " has no examples to run the learning-rate range test on");
        }
        int batch = Math.min(config.batchSize(), train.size());
        int batches = train.size() / batch;
        MinibatchFeeder feeder = new MinibatchFeeder(train, batch);
        int[] order = new int[train.size()];
        double[] rates = config.rates();
        double[] losses = new double[config.steps()];
        LrCurve.Smoother smoother = new LrCurve.Smoother();
        LrCurve.Stop stop = LrCurve.Stop.COMPLETED;
        Nd4j.getRandom().setSeed(config.seed()); // dropout
        int pass = 0;
        int b = batches;
        int n = 0;
        while (n < config.steps()) {
            if (b == batches) {
                Shuffling.epochOrder(order, config.seed(), ++pass, true);
                b = 0;
            }
            MinibatchFeeder.Batch minibatch = feeder.fill(order, b++ * batch, batch);
            model.setLearningRate(rates[n]);
            model.fit(minibatch.features(), minibatch.labels());
            double loss = model.lastLoss();
            if (!Double.isFinite(loss)) {
                stop = LrCurve.Stop.DIVERGED;
                break;
            }
            losses[n++] = loss;
            if (smoother.add(loss)) {
                stop = LrCurve.Stop.DIVERGED;
                break;
            }
        }
        return LrCurve.of(rates, java.util.Arrays.copyOf(losses, n), stop);
    }

    /**
     * What the range test does, validated on construction. Build with {@link #builder()}.
     *
     * @param steps     minibatch steps at most, &gt;= {@value #MIN_STEPS}
     * @param startLr   the first step's learning rate, &gt; 0
     * @param endLr     the last step's learning rate, &gt; {@code startLr}
     * @param batchSize minibatch size, &gt;= 1
     * @param seed      seeds the minibatch order and dropout
     */
    public record Config(int steps, double startLr, double endLr, int batchSize, long seed)
            implements java.io.Serializable {

        /** Fewer steps leave no curve to read. */
        public static final int MIN_STEPS = 5;

        public static final Setting<Integer> STEPS = Setting.atLeast("steps", 100, MIN_STEPS,
                "Minibatch steps at most (the test stops early when the loss diverges).");
        public static final Setting<Double> START_LR = Setting.of("start-lr", Double.class, 1e-7,
                "The first step's learning rate.").requiring(v -> v > 0 && Double.isFinite(v), "must be a positive number");
        public static final Setting<Double> END_LR = Setting.of("end-lr", Double.class, 10.0,
                "The last step's learning rate (rates grow exponentially in between).")
                .requiring(v -> v > 0 && Double.isFinite(v), "must be a positive number");
        /** Not train's global minibatch: every step's (spark: every task's); the same default. */
        public static final Setting<Integer> BATCH_SIZE = Setting.atLeast("batch-size",
                TrainingConfig.BATCH_SIZE.defaultValue(), 1, "Minibatch size of every step (spark: of every task).");

        /** The range test's own settings. */
        public static final java.util.List<Setting<?>> SETTINGS = java.util.List.of(STEPS, START_LR, END_LR, BATCH_SIZE);

        public Config {
            STEPS.validate(steps);
            START_LR.validate(startLr);
            END_LR.validate(endLr);
            BATCH_SIZE.validate(batchSize);
            if (!(startLr > 0) || !Double.isFinite(endLr)) {
                throw new IllegalArgumentException("learning rates must be positive numbers, got start " + startLr
                        + ", end " + endLr);
            }
            if (!(startLr < endLr)) {
                throw new IllegalArgumentException("the start learning rate must be below the end learning rate, got "
                        + startLr + " >= " + endLr);
            }
        }

        /** The rate of step {@code step} (0-based): {@code startLr (endLr / startLr)^(step / (steps - 1))}. */
        public double rate(int step) {
            return step == steps - 1 ? endLr : startLr * Math.pow(endLr / startLr, (double) step / (steps - 1));
        }

        /** The rates of all steps. */
        public double[] rates() {
            double[] out = new double[steps];
            for (int i = 0; i < steps; i++) {
                out[i] = rate(i);
            }
            return out;
        }

        /** This configuration with another seed (e.g. a worker's). */
        public Config withSeed(long value) {
            return new Config(steps, startLr, endLr, batchSize, value);
        }

        public static Builder builder() {
            return new Builder();
        }

        /** Builder with fast.ai's defaults: 100 steps from 1e-7 to 10; batch 128, seed 42. */
        public static final class Builder {
            private int steps = STEPS.defaultValue();
            private double startLr = START_LR.defaultValue();
            private double endLr = END_LR.defaultValue();
            private int batchSize = BATCH_SIZE.defaultValue();
            private long seed = TrainingConfig.SEED.defaultValue();

            private Builder() {
            }

            public Builder steps(int value) {
                steps = value;
                return this;
            }

            public Builder startLr(double value) {
                startLr = value;
                return this;
            }

            public Builder endLr(double value) {
                endLr = value;
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

            public Config build() {
                return new Config(steps, startLr, endLr, batchSize, seed);
            }
        }
    }
}
