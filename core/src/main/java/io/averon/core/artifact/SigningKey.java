package io.averon.core.artifact;

import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;

/**
 * The private Ed25519 key that signs model artifacts (what {@code train --sign-key} and
 * {@code averon sign --key} read). Its file must not be readable by group or others.
 *
 * @param key    the private key
 * @param source where it was read from, for messages
 */
public record SigningKey(PrivateKey key, String source) {

    /** Reads a PKCS#8 PEM private key ({@value SigningKeys#PRIVATE_KEY_FILE} from {@code averon keygen}). */
    public static SigningKey read(Path file) {
        return new SigningKey(SigningKeys.readPrivate(file), file.toString());
    }

    /** The Ed25519 signature of {@code message} (64 bytes). */
    byte[] sign(byte[] message) {
        try {
            Signature signature = Signature.getInstance(SigningKeys.ALGORITHM);
            signature.initSign(key);
            signature.update(message);
            return signature.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign with " + source + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "SigningKey[" + source + "]"; // never the key
    }
}
