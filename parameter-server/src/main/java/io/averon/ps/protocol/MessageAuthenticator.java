package io.averon.ps.protocol;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * HMAC-SHA256 over a message's header and payload, keyed by the job's secret. One instance per
 * owning thread (it keeps a {@link Mac} and scratch buffers; nothing is allocated per message).
 */
public final class MessageAuthenticator {

    /** Shortest secret accepted. */
    public static final int MIN_SECRET_BYTES = 32;
    private static final int SCRATCH = 64 * 1024;

    private final Mac mac;
    private final byte[] scratch = new byte[SCRATCH];
    private final byte[] computed = new byte[MessageHeader.MAC_LENGTH];
    private final byte[] received = new byte[MessageHeader.MAC_LENGTH];

    public MessageAuthenticator(byte[] secret) {
        if (secret == null || secret.length < MIN_SECRET_BYTES) {
            throw new IllegalArgumentException("the job secret must be at least " + MIN_SECRET_BYTES + " bytes");
        }
        try {
            mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    /** Writes the MAC of bytes {@code [offset, offset + signedLength)} right after them. */
    public void sign(MutableDirectBuffer buffer, int offset, int signedLength) {
        compute(buffer, offset, signedLength);
        buffer.putBytes(offset + signedLength, computed);
    }

    /**
     * Whether the 32 bytes after {@code [offset, offset + signedLength)} are the MAC of those
     * bytes. Constant-time comparison.
     */
    public boolean verify(DirectBuffer buffer, int offset, int signedLength) {
        compute(buffer, offset, signedLength);
        buffer.getBytes(offset + signedLength, received);
        boolean ok = MessageDigest.isEqual(computed, received);
        Arrays.fill(received, (byte) 0);
        return ok;
    }

    private void compute(DirectBuffer buffer, int offset, int length) {
        mac.reset();
        int done = 0;
        while (done < length) {
            int n = Math.min(SCRATCH, length - done);
            buffer.getBytes(offset + done, scratch, 0, n);
            mac.update(scratch, 0, n);
            done += n;
        }
        try {
            mac.doFinal(computed, 0);
        } catch (javax.crypto.ShortBufferException e) {
            throw new IllegalStateException(e);
        }
    }
}
