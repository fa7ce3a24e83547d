/**
 * The model artifact: a zip with {@code manifest.json} (format version, classes, input shape,
 * normalisation, training config, seed, data fingerprint, versions, SHA-256 of every entry), the
 * DL4J configuration JSON and the raw float32 parameters. Loading verifies everything and never
 * uses Java deserialization. See {@link io.averon.core.artifact.ModelArtifact} for the layout.
 */
package io.averon.core.artifact;
