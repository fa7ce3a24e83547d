/**
 * Averon core: everything that runs inside one JVM and knows DL4J/ND4J, but neither Spark nor
 * Aeron. Sub-packages: {@code data} (readers, splits, normalisation), {@code model} (presets and
 * the model wrapper), {@code train} (the local trainer and its listener events), {@code metrics},
 * {@code artifact} (the verified model zip) and {@code runtime} (native ND4J settings).
 */
package io.averon.core;
