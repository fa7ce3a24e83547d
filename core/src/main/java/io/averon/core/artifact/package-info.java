/**
 * The model artifact: a zip with {@code manifest.json} (format version, classes, input shape,
 * normalisation, training config, seed, data fingerprint, versions, SHA-256 of every entry), an
 * optional Ed25519 signature of that manifest, the DL4J configuration JSON and the raw float32
 * parameters. Loading checks everything under a {@link io.averon.core.artifact.ReadPolicy} (with a
 * {@link io.averon.core.artifact.VerifyKey}: authenticated, signature first; without: checked for
 * corruption only), caps every entry's inflated size, and never uses Java deserialization. See
 * {@link io.averon.core.artifact.ModelArtifact} for the layout and
 * {@link io.averon.core.artifact.SigningKeys} for the key files.
 */
package io.averon.core.artifact;
