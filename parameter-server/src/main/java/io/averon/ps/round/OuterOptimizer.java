package io.averon.ps.round;

/**
 * What the server does with each round's weighted average before publishing it. Applies to the
 * parameter part of the vector only; updater state, when present, is always plain-averaged.
 *
 * <p>These records are immutable specifications; the optimizer's state (the momentum buffer) is
 * owned by the {@link RoundCoordinator} that uses them.
 */
public sealed interface OuterOptimizer permits OuterOptimizer.Plain, OuterOptimizer.Nesterov {

    /** {@link Plain} for rate 1 without momentum (what it equals), else {@link Nesterov}; validated. */
    static OuterOptimizer of(double learningRate, double momentum) {
        return learningRate == 1 && momentum == 0 ? new Plain() : new Nesterov(learningRate, momentum);
    }

    /** The new global parameters are the round's weighted average (the default). */
    record Plain() implements OuterOptimizer {
    }

    /**
     * Outer Nesterov momentum on the averaged delta (as in DiLoCo and SlowMo). With the previous
     * global parameters {@code g}, this round's weighted average {@code a} and the momentum buffer
     * {@code v} (zero at the start), per element:
     * <pre>
     * delta = a - g
     * v     = momentum * v + delta
     * g     = g + learningRate * (delta + momentum * v)
     * </pre>
     * computed in double and stored as float. In the first round there is no {@code g} yet: the
     * global becomes {@code a} and {@code v} stays zero. {@code Nesterov(1, 0)} equals {@link Plain}.
     *
     * @param learningRate outer learning rate, {@code > 0} (1 with momentum 0 is plain averaging;
     *                     DiLoCo uses about 0.7)
     * @param momentum     outer momentum, {@code 0 <= momentum < 1} (DiLoCo uses about 0.9)
     */
    record Nesterov(double learningRate, double momentum) implements OuterOptimizer {
        public Nesterov {
            if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
                throw new IllegalArgumentException("Nesterov learningRate must be a finite number > 0 (1.0 with"
                        + " momentum 0 is plain averaging), got " + learningRate);
            }
            if (!(momentum >= 0 && momentum < 1)) {
                throw new IllegalArgumentException("Nesterov momentum must be in [0, 1) (0.9 is typical), got "
                        + momentum);
            }
        }
    }
}
