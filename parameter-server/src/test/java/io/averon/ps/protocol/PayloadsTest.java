package io.averon.ps.protocol;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Each small payload reads back as written, inside a signed message the validator accepts. */
@Tag("fast")
class PayloadsTest {

    private static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final long JOB = 42L;
    private static final int AT = 16; // messages are read at an offset, as from an Aeron term

    private final MessageAuthenticator auth = new MessageAuthenticator(SECRET);

    private UnsafeBuffer message(MessageType type, int worker, byte[] payload, int length, boolean fromWorker) {
        UnsafeBuffer signed = new UnsafeBuffer(ByteBuffer.allocateDirect(MessageHeader.OVERHEAD + length));
        int total = MessageHeader.writeSigned(signed, auth, type, 0, JOB, 7, 1, worker, 0, 5, 1, payload, length);
        UnsafeBuffer b = new UnsafeBuffer(ByteBuffer.allocateDirect(AT + total));
        b.putBytes(AT, signed, 0, total);
        MessageValidator validator = new MessageValidator(auth, JOB, 0, 1024, 8, fromWorker);
        assertNull(validator.validate(b, AT, total), type + " passes the checks");
        return b;
    }

    @Test
    void shouldReadBackHelloWithAndWithoutEndpoint() {
        byte[] payload = Payloads.Hello.encode(-12345, "10.0.0.7:40123");
        UnsafeBuffer b = message(MessageType.HELLO, 3, payload, payload.length, true);
        assertEquals(-12345, Payloads.Hello.aeronSession(b, AT));
        assertEquals(14, Payloads.Hello.endpointLength(b, AT));
        assertEquals("10.0.0.7:40123", Payloads.Hello.endpoint(b, AT));
        assertEquals(MessageValidator.HELLO_FIXED_PAYLOAD, Payloads.Hello.encode(1, "").length);
        assertThrows(IllegalArgumentException.class, () -> Payloads.Hello.encode(1, "h".repeat(256)));
    }

    @Test
    void shouldReadBackAHelloPaddedToTheMtuAndRefuseOneLongerThanTheMtu() {
        // chunk 1024: the MTU is 1024 + 128 + 32 = 1184 bytes, the longest HELLO payload 1056
        byte[] payload = Payloads.Hello.encode(77, "10.0.0.7:40123", 1184 - MessageHeader.OVERHEAD);
        assertEquals(1056, payload.length);
        UnsafeBuffer b = message(MessageType.HELLO, 3, payload, payload.length, true);
        assertEquals(77, Payloads.Hello.aeronSession(b, AT));
        assertEquals("10.0.0.7:40123", Payloads.Hello.endpoint(b, AT));

        MessageAuthenticator auth = new MessageAuthenticator(SECRET);
        MessageValidator validator = new MessageValidator(auth, JOB, 0, 1024, 8, true);
        UnsafeBuffer longer = new UnsafeBuffer(new byte[2048]);
        int length = MessageHeader.writeSigned(longer, auth, MessageType.HELLO, 0, JOB, 0, 0, 3, 0, 5, 1,
                new byte[1057], 1057);
        assertEquals(Refusal.BAD_LENGTH, validator.validate(longer, 0, length), "one byte beyond the MTU");
        byte[] lying = Payloads.Hello.encode(77, "10.0.0.7:40123");
        lying[18] = (byte) (lying.length - MessageValidator.HELLO_FIXED_PAYLOAD + 1); // claims more than it carries
        length = MessageHeader.writeSigned(longer, auth, MessageType.HELLO, 0, JOB, 0, 0, 3, 0, 5, 1, lying,
                lying.length);
        assertEquals(Refusal.BAD_LENGTH, validator.validate(longer, 0, length), "an endpoint beyond the payload");
    }

    @Test
    void shouldReadBackChallengeAndJoinAck() {
        byte[] into = new byte[MessageValidator.MAX_REASON];
        int length = Payloads.Challenge.encode(into, Long.MIN_VALUE + 3, 0x7abcdef0, 8192, 8192);
        assertEquals(MessageValidator.CHALLENGE_PAYLOAD, length);
        UnsafeBuffer challenge = message(MessageType.CHALLENGE, 3, into, length + 500, false); // padded
        assertEquals(Long.MIN_VALUE + 3, Payloads.Challenge.nonce(challenge, AT));
        assertEquals(0x7abcdef0, Payloads.Challenge.streamSession(challenge, AT));
        assertEquals(8192, Payloads.Challenge.serverMtu(challenge, AT));
        assertEquals(8192, Payloads.Challenge.helloBytes(challenge, AT));

        length = Payloads.JoinAck.encode(into, 1L << 40);
        UnsafeBuffer ack = message(MessageType.JOIN_ACK, 3, into, length, false);
        assertEquals(1L << 40, Payloads.JoinAck.lastClosedRound(ack, AT));
    }

    @Test
    void shouldReadBackJoin() {
        byte[] hash = new byte[Payloads.Join.HASH_LENGTH];
        Arrays.fill(hash, (byte) 0xa5);
        byte[] payload = Payloads.Join.encode(1L << 33, 17, hash, -99, 8096, 0x1234_5678_9abcL, 4);
        UnsafeBuffer b = message(MessageType.JOIN, 3, payload, payload.length, true);
        assertEquals(1L << 33, Payloads.Join.parameterCount(b, AT));
        assertEquals(17, Payloads.Join.updaterStateCount(b, AT));
        assertArrayEquals(hash, Payloads.Join.configHash(b, AT));
        assertEquals(-99, Payloads.Join.nonce(b, AT));
        assertEquals(8096, Payloads.Join.chunkBytes(b, AT));
        assertEquals(0x1234_5678_9abcL, Payloads.Join.run(b, AT));
        assertEquals(4, Payloads.Join.tasks(b, AT));
    }

    @Test
    void shouldReadBackRefusedCodeAndReasonCutToFit() {
        byte[] into = new byte[MessageValidator.MAX_REASON];
        int length = Payloads.Refused.encode(into, Refusal.ROUND_FAILED, "round 3 failed: é");
        UnsafeBuffer b = message(MessageType.REFUSED, 3, into, length, false);
        assertEquals(Refusal.ROUND_FAILED, Payloads.Refused.code(b, AT));
        assertEquals("round 3 failed: é", Payloads.Refused.reason(b, AT));
        assertEquals(22, into[0] | into[1] << 8, "PROTOCOL.md's code of ROUND_FAILED");

        length = Payloads.Refused.encode(into, Refusal.BUSY, "x".repeat(5000));
        assertEquals(MessageValidator.MAX_REASON, length);
        assertEquals(MessageValidator.MAX_REASON - 2,
                Payloads.Refused.reason(message(MessageType.REFUSED, 3, into, length, false), AT).length());
        length = Payloads.Refused.encode(into, Refusal.BUSY, "x".repeat(5000), MessageValidator.MIN_CHUNK_BYTES);
        assertEquals(MessageValidator.MIN_CHUNK_BYTES, length, "cut to the chunk of the smallest MTU");
    }
}
