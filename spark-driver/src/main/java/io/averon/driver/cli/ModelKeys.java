package io.averon.driver.cli;

import io.averon.core.artifact.ReadPolicy;
import io.averon.core.artifact.SigningKey;
import io.averon.core.artifact.VerifyKey;

import java.nio.file.Path;

/**
 * The model-signing keys a command was given, read and checked before any work starts:
 * {@code --sign-key} (the private key that signs what the command writes) and {@code --verify-key}
 * (the public key every model it reads must be signed with).
 *
 * @param signer   signs model.zip and checkpoints, or null (written unsigned)
 * @param verifier models read must verify with it, or null (checksums only, with a notice)
 */
record ModelKeys(SigningKey signer, VerifyKey verifier) {

    /** Reads the key files that are given (null paths: none). */
    static ModelKeys read(Path signKey, Path verifyKey) {
        return new ModelKeys(signKey == null ? null : SigningKey.read(signKey),
                verifyKey == null ? null : VerifyKey.read(verifyKey));
    }

    /** How models are read: with the verify key, or checksums only. */
    ReadPolicy readPolicy() {
        return ReadPolicy.verifiedWith(verifier);
    }
}
