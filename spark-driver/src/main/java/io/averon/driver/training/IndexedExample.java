package io.averon.driver.training;

import java.io.Serializable;

/**
 * One example on its way to its worker: which split and position it has, its flat features, and
 * a class index or a regression target. Plain arrays, so Spark can cache it serialized.
 */
record IndexedExample(boolean test, int index, float[] features, int label, float target) implements Serializable {
}
