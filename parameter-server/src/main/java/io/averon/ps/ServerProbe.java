package io.averon.ps;

import io.averon.ps.protocol.MessageAuthenticator;
import io.averon.ps.protocol.MessageHeader;
import io.averon.ps.protocol.MessageType;
import io.averon.ps.protocol.MessageValidator;
import io.averon.ps.transport.HandshakeSocket;
import io.averon.ps.transport.Ports;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;

/**
 * Checks, without joining, that a parameter server can be reached from this host and answers this
 * job: a HELLO marked as a probe goes to its handshake port ({@code port + 1}) and its CHALLENGE
 * must come back, signed with the job's key. The server keeps no state for a probe. (The Aeron
 * stream to {@code port} opens only for a worker that said HELLO; a worker's join reports it.)
 */
public final class ServerProbe {

    private static final long RESEND_MS = 200;

    private ServerProbe() {
    }

    /**
     * Returns normally when the server answered within {@code timeoutMs}; otherwise throws
     * {@link ParameterServerUnreachableException} naming the host, the port and what to check.
     */
    public static void check(String serverHost, int serverPort, String localHost, String jobName, byte[] secret,
                             long timeoutMs) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        long jobId = JobIds.of(jobName);
        long session = new SecureRandom().nextLong() | 1;
        MessageAuthenticator authenticator = new MessageAuthenticator(secret);
        MessageValidator validator = new MessageValidator(new MessageAuthenticator(secret), jobId, 0,
                Ports.chunkBytes(Ports.DEFAULT_MTU_BYTES), 0, false);
        UnsafeBuffer hello = new UnsafeBuffer(ByteBuffer.allocateDirect(HandshakeSocket.MAX_DATAGRAM));
        byte[] payload = new byte[MessageValidator.HELLO_FIXED_PAYLOAD];
        InetSocketAddress target = new InetSocketAddress(serverHost, serverPort + 1);
        boolean[] answered = {false};
        BackoffIdleStrategy idle = new BackoffIdleStrategy(10, 20, 1_000, 1_000_000);
        try (HandshakeSocket socket = HandshakeSocket.bind(localHost, 0)) {
            long sequence = 0;
            long nextSend = 0;
            while (!answered[0]) {
                if (System.nanoTime() - nextSend >= 0) {
                    int length = MessageHeader.writeSigned(hello, authenticator, MessageType.HELLO, MessageHeader.FLAG_PROBE,
                            jobId, 0, 0, 0, 0, session, ++sequence, payload, payload.length);
                    socket.send(hello, length, target);
                    nextSend = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RESEND_MS);
                }
                int read = socket.poll((b, length, source) -> answered[0] |= validator.validate(b, 0, length) == null
                        && MessageHeader.type(b, 0) == MessageType.CHALLENGE && MessageHeader.session(b, 0) == session, 4);
                if (read == 0) {
                    if (System.nanoTime() > deadline) {
                        throw new ParameterServerUnreachableException("parameter server " + serverHost + ":" + serverPort
                                + " is unreachable from " + localHost + " (no answer of job " + jobName + " on UDP port "
                                + (serverPort + 1) + " within " + timeoutMs + " ms: does it serve this job, with"
                                + " the same secret?)");
                    }
                    idle.idle();
                }
            }
        }
    }
}
