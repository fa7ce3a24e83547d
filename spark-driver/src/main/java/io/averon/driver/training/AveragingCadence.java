package io.averon.driver.training;

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

    /** One plain average at every epoch's end; the value of every setting not given. */
    public static final AveragingCadence PER_EPOCH = new AveragingCadence(0, 0, 1, 0);

    /** From this many workers on, a run given no cadence follows {@link #MANY_WORKERS_RECIPE}. */
    public static final int MANY_WORKERS = 8;

    /**
     * The cadence measured best at 8 and 16 workers (docs/benchmarks.md, "Accuracy at many workers"):
     * an average every 8 minibatches, applied with outer Nesterov momentum 0.9 at rate 0.7 (DiLoCo's
     * outer optimizer). A post-local-SGD start (every minibatch in epoch 1) did not pay for its rounds
     * there, and with outer momentum it hurt, so the recipe has none.
     */
    public static final AveragingCadence MANY_WORKERS_RECIPE = new AveragingCadence(8, 0, 0.7, 0.9);

    public AveragingCadence {
        if (syncEvery < 0) {
            throw new InvalidInputException("--sync-every must be >= 1 minibatches (or 0 for once per epoch), got "
                    + syncEvery);
        }
        if (warmupEpochs < 0) {
            throw new InvalidInputException("--sync-warmup-epochs must be >= 0, got " + warmupEpochs);
        }
        if (!(outerLearningRate > 0) || Double.isInfinite(outerLearningRate)) {
            throw new InvalidInputException("--outer-lr must be a finite number > 0 (1 = plain averaging), got "
                    + outerLearningRate);
        }
        if (!(outerMomentum >= 0 && outerMomentum < 1)) {
            throw new InvalidInputException("--outer-momentum must be in [0, 1) (0 = plain averaging), got "
                    + outerMomentum);
        }
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
