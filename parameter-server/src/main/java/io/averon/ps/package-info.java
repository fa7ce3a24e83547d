/**
 * Averon's parameter server: averages float vectors pushed by workers, over Aeron. Knows
 * Aeron/Agrona, not Spark or ND4J. Sub-package {@code transport} owns the Aeron plumbing.
 */
package io.averon.ps;
