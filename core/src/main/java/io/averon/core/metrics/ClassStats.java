package io.averon.core.metrics;

/**
 * One class's row of a classification report.
 *
 * @param name      the class name
 * @param precision correct predictions of the class / all predictions of the class (0 if the
 *                  class was never predicted)
 * @param recall    correct predictions of the class / examples of the class (0 if the class has
 *                  no examples)
 * @param f1        harmonic mean of precision and recall (0 if both are 0)
 * @param support   number of examples whose true class is this one
 */
public record ClassStats(String name, double precision, double recall, double f1, long support) {
}
