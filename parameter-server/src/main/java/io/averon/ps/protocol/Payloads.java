package io.averon.ps.protocol;

import org.agrona.DirectBuffer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The payload layouts of the small messages (PROTOCOL.md, "Types"), little-endian: writers for the
 * sender, and readers that take a received message's buffer and offset (like {@link MessageHeader}'s)
 * and assume it passed {@link MessageValidator}, which checked each payload's length. (Vectors and
 * reports are chunked: {@link Chunking}.)
 */
public final class Payloads {

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private Payloads() {
    }

    private static int payload(int messageOffset) {
        return messageOffset + MessageHeader.LENGTH;
    }

    /**
     * HELLO: the worker's Aeron session (int32), 14 reserved bytes, endpoint length (int16), endpoint
     * (UTF-8), then padding (zero bytes, ignored) up to the payload's length.
     */
    public static final class Hello {
        private static final int ENDPOINT_LENGTH = 18;

        private Hello() {
        }

        /** A HELLO payload naming {@code aeronSession} and the receive endpoint {@code host:port} ("" for none). */
        public static byte[] encode(int aeronSession, String endpoint) {
            return encode(aeronSession, endpoint, 0);
        }

        /**
         * As {@link #encode(int, String)}, padded with zero bytes to {@code paddedLength} when that is
         * longer (a datagram of the MTU: PROTOCOL.md, "Joining").
         */
        public static byte[] encode(int aeronSession, String endpoint, int paddedLength) {
            byte[] host = endpoint.getBytes(StandardCharsets.UTF_8);
            if (host.length > MessageValidator.MAX_ENDPOINT) {
                throw new IllegalArgumentException("receive endpoint '" + endpoint + "' is longer than "
                        + MessageValidator.MAX_ENDPOINT + " bytes");
            }
            int length = Math.max(MessageValidator.HELLO_FIXED_PAYLOAD + host.length, paddedLength);
            return ByteBuffer.allocate(length).order(LE).putInt(aeronSession).put(new byte[14])
                    .putShort((short) host.length).put(host).array();
        }

        public static int aeronSession(DirectBuffer b, int o) {
            return b.getInt(payload(o), LE);
        }

        /** The endpoint length the HELLO claims (the validator checks it against the payload length). */
        public static int endpointLength(DirectBuffer b, int o) {
            return b.getShort(payload(o) + ENDPOINT_LENGTH, LE);
        }

        public static String endpoint(DirectBuffer b, int o) {
            return b.getStringWithoutLengthUtf8(payload(o) + MessageValidator.HELLO_FIXED_PAYLOAD, endpointLength(b, o));
        }
    }

    /**
     * CHALLENGE: the server's nonce (int64), the Aeron session of its stream to this join (int32),
     * the server's MTU (int32), the bytes of this join session's HELLO the server received (int32:
     * 0 when none), then padding (zero bytes) up to the length of the HELLO it answers.
     */
    public static final class Challenge {
        private Challenge() {
        }

        /**
         * Writes the fixed part of the payload into {@code into} (whose bytes after it must be zero,
         * the padding); returns its length.
         */
        public static int encode(byte[] into, long nonce, int streamSession, int serverMtu, int helloBytes) {
            ByteBuffer.wrap(into).order(LE).putLong(0, nonce).putInt(8, streamSession).putInt(12, serverMtu)
                    .putInt(16, helloBytes);
            return MessageValidator.CHALLENGE_PAYLOAD;
        }

        public static long nonce(DirectBuffer b, int o) {
            return b.getLong(payload(o), LE);
        }

        public static int streamSession(DirectBuffer b, int o) {
            return b.getInt(payload(o) + 8, LE);
        }

        /** The MTU the server's channels use (0 on the report channel). */
        public static int serverMtu(DirectBuffer b, int o) {
            return b.getInt(payload(o) + 12, LE);
        }

        /** The length of the datagram of this join session's HELLO the server received (0: none arrived). */
        public static int helloBytes(DirectBuffer b, int o) {
            return b.getInt(payload(o) + 16, LE);
        }
    }

    /**
     * JOIN: parameter count (int64), updater-state count (int64), config hash (32 bytes), the
     * CHALLENGE's nonce (int64), chunk bytes (int32), training run (int64), training tasks (int32).
     */
    public static final class Join {
        public static final int HASH_LENGTH = 32;

        private Join() {
        }

        public static byte[] encode(long parameters, long updaterState, byte[] configHash, long nonce, int chunkBytes,
                                    long run, int tasks) {
            return ByteBuffer.allocate(MessageValidator.JOIN_PAYLOAD).order(LE).putLong(parameters)
                    .putLong(updaterState).put(configHash, 0, HASH_LENGTH).putLong(nonce).putInt(chunkBytes)
                    .putLong(run).putInt(tasks).array();
        }

        public static long parameterCount(DirectBuffer b, int o) {
            return b.getLong(payload(o), LE);
        }

        public static long updaterStateCount(DirectBuffer b, int o) {
            return b.getLong(payload(o) + 8, LE);
        }

        /** A copy of the config hash. */
        public static byte[] configHash(DirectBuffer b, int o) {
            byte[] hash = new byte[HASH_LENGTH];
            b.getBytes(payload(o) + 16, hash);
            return hash;
        }

        public static long nonce(DirectBuffer b, int o) {
            return b.getLong(payload(o) + 48, LE);
        }

        public static int chunkBytes(DirectBuffer b, int o) {
            return b.getInt(payload(o) + 56, LE);
        }

        public static long run(DirectBuffer b, int o) {
            return b.getLong(payload(o) + 60, LE);
        }

        public static int tasks(DirectBuffer b, int o) {
            return b.getInt(payload(o) + 68, LE);
        }
    }

    /** JOIN_ACK: the server's last closed round (int64). */
    public static final class JoinAck {
        private JoinAck() {
        }

        /** Writes the payload into {@code into}; returns its length. */
        public static int encode(byte[] into, long lastClosedRound) {
            ByteBuffer.wrap(into).order(LE).putLong(0, lastClosedRound);
            return MessageValidator.JOIN_ACK_PAYLOAD;
        }

        public static long lastClosedRound(DirectBuffer b, int o) {
            return b.getLong(payload(o), LE);
        }
    }

    /**
     * REFUSED: the code ({@link Refusal#code()}, int16), then the reason (UTF-8), at most
     * {@link MessageValidator#MAX_REASON} bytes in all.
     */
    public static final class Refused {
        private Refused() {
        }

        /** Writes the payload into {@code into} (MAX_REASON bytes or more), the reason cut to fit; returns its length. */
        public static int encode(byte[] into, Refusal code, String reason) {
            return encode(into, code, reason, MessageValidator.MAX_REASON);
        }

        /**
         * As {@link #encode(byte[], Refusal, String)}, the payload at most {@code maxPayload} bytes
         * (at most MAX_REASON: e.g. the chunk of a small MTU, so that it fits one frame).
         */
        public static int encode(byte[] into, Refusal code, String reason, int maxPayload) {
            byte[] text = reason.getBytes(StandardCharsets.UTF_8);
            int length = Math.min(text.length, Math.min(maxPayload, MessageValidator.MAX_REASON) - 2);
            into[0] = (byte) code.code();
            into[1] = (byte) (code.code() >>> 8);
            System.arraycopy(text, 0, into, 2, length);
            return length + 2;
        }

        /** The reason of the code, or null for a code this side does not know. */
        public static Refusal code(DirectBuffer b, int o) {
            return Refusal.ofCode(b.getShort(payload(o), LE) & 0xffff);
        }

        public static String reason(DirectBuffer b, int o) {
            byte[] text = new byte[MessageHeader.payloadLength(b, o) - 2];
            b.getBytes(payload(o) + 2, text);
            return new String(text, StandardCharsets.UTF_8);
        }
    }
}
