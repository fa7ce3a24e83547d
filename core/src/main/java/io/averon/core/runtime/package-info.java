/**
 * Native ND4J settings for one JVM: which libnd4j build to load (plain or oneDNN), DL4J's layer
 * helpers, and native thread counts. Settings must be applied before ND4J initialises.
 */
package io.averon.core.runtime;
