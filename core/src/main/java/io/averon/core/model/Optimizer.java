package io.averon.core.model;

/** The local optimisers a model can be trained with. */
public enum Optimizer {
    /** Adam (beta1 0.9, beta2 0.999). */
    ADAM,
    /** Plain stochastic gradient descent. */
    SGD,
    /** SGD with Nesterov momentum 0.9. */
    NESTEROV
}
