/**
 * End-to-end measurements (not tests). Each benchmark runs Averon and its peer in the same run,
 * each configuration in its own forked JVM (native settings are per process), and reports ratios.
 */
package io.averon.benchmarks;
