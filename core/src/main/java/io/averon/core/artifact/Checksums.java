package io.averon.core.artifact;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 helpers for artifact entries. */
final class Checksums {

    private Checksums() {
    }

    static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(digest().digest(bytes));
    }

    /** Constant-time comparison of {@code bytes}' SHA-256 with an expected hex digest. */
    static boolean matches(byte[] bytes, String expectedHex) {
        byte[] actual = sha256(bytes).getBytes(StandardCharsets.US_ASCII);
        byte[] expected = expectedHex == null ? new byte[0] : expectedHex.toLowerCase(java.util.Locale.ROOT)
                .getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(actual, expected);
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }
}
