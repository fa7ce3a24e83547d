package io.averon.core.artifact;

import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;

/**
 * The public Ed25519 key that model artifacts must be signed with (what {@code --verify-key}
 * reads). It is not secret: scorers and model registries hold only this one.
 *
 * @param key    the public key
 * @param source where it was read from, for messages
 */
public record VerifyKey(PublicKey key, String source) {

    /** Reads an X.509 PEM public key ({@value SigningKeys#PUBLIC_KEY_FILE} from {@code averon keygen}). */
    public static VerifyKey read(Path file) {
        return new VerifyKey(SigningKeys.readPublic(file), file.toString());
    }

    /** Whether {@code signature} is this key's Ed25519 signature of {@code message}; malformed signatures do not verify. */
    boolean verifies(byte[] message, byte[] signature) {
        try {
            Signature verifier = Signature.getInstance(SigningKeys.ALGORITHM);
            verifier.initVerify(key);
            verifier.update(message);
            return verifier.verify(signature);
        } catch (java.security.SignatureException e) {
            return false;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot verify with " + source + ": " + e.getMessage(), e);
        }
    }
}
