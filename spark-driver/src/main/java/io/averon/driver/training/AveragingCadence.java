package io.averon.driver.training;

import io.averon.core.settings.Setting;

import io.averon.core.InvalidInputException;

import java.io.Serializable;

/**
 * When the workers of a distributed run average their replicas, and how each average is applied:
 * the settings {@code --sync-every}, {@code --sync-warmup-epochs}, {@code --outer-lr} and
 * {@code --outer-momentum}, declared, defaulted and validated here. They are given as a whole or
 * not at all ({@link #given}): a setting left out takes its {@link #PER_EPOCH} value, and a run
 * given none of them takes {@link #defaultFor(int)} its worker count: once per epoch below
 * {@link #MANY_WORKERS} workers, {@link #MANY_WORKERS_RECIPE} from there on (docs/benchmarks.md,
 * "Accuracy at many workers").
 *
 * @param syncEvery         minibatches between rounds after the warm-up; 0 = once per epoch
 * @param warmupEpochs      the first epochs, in which the workers average after every minibatch
 *                          (post-local SGD: synchronous SGD until the replicas have settled, then
 *                          local steps). The outer optimizer applies to those rounds too
 * @param outerLearningRate outer learning rate applied to each round's averaged change (1 with momentum
 *                          0 = plain averaging)
 * @param outerMomentum     outer Nesterov momentum (0 = plain averaging; DiLoCo uses 0.9 with rate 0.7)
 */
public record AveragingCadence(int syncEvery, int warmupEpochs, double outerLearningRate, double outerMomentum)
        implements Serializable {

    /** From this many workers on, a run given no cadence follows {@link #MANY_WORKERS_RECIPE}. */
    public static final int MANY_WORKERS = 8;

    /** No default of its own: not given, the worker count chooses the cadence ({@link #defaultFor(int)}). */
    public static final Setting<Integer> SYNC_EVERY = Setting.of("sync-every", Integer.class, null,
            "spark: average the replicas every K minibatches; 0 = once per epoch. Default: once per epoch below "
                    + MANY_WORKERS + " workers; from " + MANY_WORKERS + " on, unless --sync-every, "
                    + "--sync-warmup-epochs, --outer-momentum or --outer-lr is given, the many-workers recipe: "
                    + "--sync-every 8 --outer-momentum 0.9 --outer-lr 0.7.")
            .requiring(v -> v >= 0, "must be >= 1 minibatches (or 0 for once per epoch)");
    public static final Setting<Integer> SYNC_WARMUP_EPOCHS = Setting.of("sync-warmup-epochs", Integer.class, null,
            "spark: average after every minibatch in the first E epochs (post-local SGD), then every --sync-every K "
                    + "minibatches (or once per epoch); at most --epochs. Default: 0.")
            .requiring(v -> v >= 0, "must be >= 0");
    public static final Setting<Double> OUTER_LR = Setting.of("outer-lr", Double.class, null,
            "spark: outer learning rate on each round's averaged change. Default: 1.0, or the many-workers recipe's "
                    + "(see --sync-every).")
            .requiring(v -> v > 0 && !Double.isInfinite(v), "must be a finite number > 0 (1 = plain averaging)");
    public static final Setting<Double> OUTER_MOMENTUM = Setting.of("outer-momentum", Double.class, null,
            "spark: outer Nesterov momentum on each round's averaged change. Default: 0 (plain averaging), or the "
                    + "many-workers recipe's (see --sync-every).")
            .requiring(v -> v >= 0 && v < 1, "must be in [0, 1) (0 = plain averaging)");

    /** One plain average at every epoch's end; the value of every setting not given. */
    public static final AveragingCadence PER_EPOCH = new AveragingCadence(0, 0, 1, 0);

    /**
     * The cadence measured best at 8 and 16 workers (docs/benchmarks.md, "Accuracy at many workers"):
     * an average every 8 minibatches, applied with outer Nesterov momentum 0.9 at rate 0.7 (DiLoCo's
     * outer optimizer). A post-local-SGD start (every minibatch in epoch 1) did not pay for its rounds
     * there, and with outer momentum it hurt, so the recipe has none.
     */
    public static final AveragingCadence MANY_WORKERS_RECIPE = new AveragingCadence(8, 0, 0.7, 0.9);

    public AveragingCadence {
        SYNC_EVERY.validate(syncEvery);
        SYNC_WARMUP_EPOCHS.validate(warmupEpochs);
        OUTER_LR.validate(outerLearningRate);
        OUTER_MOMENTUM.validate(outerMomentum);
    }

    /**
     * The cadence of the settings given (null = not given): null when none is, else the given
     * values with {@link #PER_EPOCH}'s for the others.
     */
    public static AveragingCadence given(Integer syncEvery, Integer warmupEpochs, Double outerLearningRate,
                                         Double outerMomentum) {
        if (syncEvery == null && warmupEpochs == null && outerLearningRate == null && outerMomentum == null) {
            return null;
        }
        AveragingCadence p = PER_EPOCH;
        return new AveragingCadence(syncEvery != null ? syncEvery : p.syncEvery,
                warmupEpochs != null ? warmupEpochs : p.warmupEpochs,
                outerLearningRate != null ? outerLearningRate : p.outerLearningRate,
                outerMomentum != null ? outerMomentum : p.outerMomentum);
    }

    /** The cadence of a run of {@code workers} workers that was given none. */
    public static AveragingCadence defaultFor(int workers) {
        return workers >= MANY_WORKERS ? MANY_WORKERS_RECIPE : PER_EPOCH;
    }

    /** Whether the averaged change is applied as it is (no outer optimizer). */
    public boolean plainAveraging() {
        return outerLearningRate == PER_EPOCH.outerLearningRate && outerMomentum == PER_EPOCH.outerMomentum;
    }

    /** The same rounds, their average applied as it is. */
    public AveragingCadence withPlainAveraging() {
        return new AveragingCadence(syncEvery, warmupEpochs, PER_EPOCH.outerLearningRate, PER_EPOCH.outerMomentum);
    }

    /** The outer optimizer of whoever averages (the driver's parameter server, or the workers when sharded). */
    public io.averon.ps.round.OuterOptimizer outerOptimizer() {
        return io.averon.ps.round.OuterOptimizer.of(outerLearningRate, outerMomentum);
    }

    /** The command-line options that give this cadence, e.g. {@code --sync-every 8 --sync-warmup-epochs 1}. */
    public String asOptions() {
        StringBuilder out = new StringBuilder(syncEvery == 0 ? "--sync-every 0 (once per epoch)" : "--sync-every "
                + syncEvery);
        if (warmupEpochs > 0) {
            out.append(" --sync-warmup-epochs ").append(warmupEpochs);
        }
        if (!plainAveraging()) {
            out.append(" --outer-momentum ").append(outerMomentum).append(" --outer-lr ").append(outerLearningRate);
        }
        return out.toString();
    }
}
