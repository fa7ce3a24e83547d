package io.averon.driver.training;

/** Who averages the workers' replicas each round (README, "Averaging modes"). */
public enum AveragingMode {
    /**
     * One parameter server (in the driver, or an external {@code averon ps}) receives every
     * worker's whole vector and sends the average back: its traffic grows with the workers.
     */
    SERVER,
    /**
     * The workers average among themselves, each owning one range of the vector
     * (reduce-scatter, then all-gather): every worker moves about twice the vector per round,
     * however many workers there are.
     */
    SHARDED
}
