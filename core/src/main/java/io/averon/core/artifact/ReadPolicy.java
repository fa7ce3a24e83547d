package io.averon.core.artifact;

import org.slf4j.LoggerFactory;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * How a model artifact is checked when read.
 *
 * <p>With a {@link VerifyKey}, the file must carry a signature by its private key over the exact
 * manifest bytes, verified before any other entry is inflated; since the manifest holds every
 * entry's SHA-256, that authenticates the whole zip. Without one, the checksums only detect
 * corruption, and {@code notices} hears one line saying so per load.
 *
 * <p>{@code maxEntryBytes} bounds the inflated size of every entry. It never comes from the file,
 * and is counted while inflating, so a zip bomb is refused after at most that many bytes.
 *
 * @param verifyKey     the key the model must be signed with, or null (checksums only)
 * @param maxEntryBytes the most bytes any one entry may inflate to
 * @param notices       hears the one-line notice about an unauthenticated load
 */
public record ReadPolicy(VerifyKey verifyKey, long maxEntryBytes, Consumer<String> notices) {

    /** The default {@code maxEntryBytes}: 1 GiB, as large as a model file may be. */
    public static final long DEFAULT_MAX_ENTRY_BYTES = ModelArtifact.MAX_FILE_BYTES;

    public ReadPolicy {
        Objects.requireNonNull(notices, "notices");
        if (maxEntryBytes < 1 || maxEntryBytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("maxEntryBytes must be 1.." + (Integer.MAX_VALUE - 8) + ", got "
                    + maxEntryBytes);
        }
    }

    /** Checksums only: an unsigned model loads with a notice (logged as a warning). */
    public static ReadPolicy checksumsOnly() {
        return new ReadPolicy(null, DEFAULT_MAX_ENTRY_BYTES, LoggerFactory.getLogger(ModelArtifact.class)::warn);
    }

    /** The model must be signed by {@code key}'s private key; null means {@link #checksumsOnly()}. */
    public static ReadPolicy verifiedWith(VerifyKey key) {
        return checksumsOnly().withVerifyKey(key);
    }

    public ReadPolicy withVerifyKey(VerifyKey key) {
        return new ReadPolicy(key, maxEntryBytes, notices);
    }

    public ReadPolicy withMaxEntryBytes(long bytes) {
        return new ReadPolicy(verifyKey, bytes, notices);
    }

    /** Sends the notices elsewhere, e.g. nowhere when reloading bytes the driver has already verified. */
    public ReadPolicy withNotices(Consumer<String> sink) {
        return new ReadPolicy(verifyKey, maxEntryBytes, sink);
    }
}
