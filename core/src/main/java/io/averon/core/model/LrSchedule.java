package io.averon.core.model;

/** Learning-rate schedules, applied per epoch. */
public enum LrSchedule {
    /** The rate never changes. */
    CONSTANT,
    /** Multiplied by {@code decay} every {@code step} epochs. */
    STEP,
    /** Multiplied by {@code decay} every epoch. */
    EXPONENTIAL,
    /** Decays linearly to 0 over the run's epochs. */
    LINEAR
}
