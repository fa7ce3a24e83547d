package io.averon.ps;

import io.averon.ps.protocol.MessageAuthenticator;
import io.averon.ps.protocol.MessageHeader;
import io.averon.ps.protocol.MessageType;
import io.averon.ps.protocol.MessageValidator;
import io.averon.ps.transport.HandshakeSocket;
import io.averon.ps.transport.Hello;
import io.averon.ps.transport.Ports;
import org.agrona.concurrent.UnsafeBuffer;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * Checks, without joining, that a parameter server can be reached from this host and answers this
 * job: a HELLO marked as a probe goes to its handshake port ({@code port + 1}) and its CHALLENGE
 * must come back, signed with the job's key. The server keeps no state for a probe. (The Aeron
 * stream to {@code port} opens only for a worker that said HELLO; a worker's join reports it.)
 */
public final class ServerProbe {

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
        long session = io.averon.ps.protocol.Nonces.next();
        MessageAuthenticator authenticator = new MessageAuthenticator(secret);
        MessageValidator validator = new MessageValidator(new MessageAuthenticator(secret), jobId, 0,
                Ports.chunkBytes(Ports.DEFAULT_MTU_BYTES), 0, false);
        UnsafeBuffer hello = new UnsafeBuffer(ByteBuffer.allocateDirect(HandshakeSocket.MAX_DATAGRAM));
        byte[] payload = new byte[MessageValidator.HELLO_FIXED_PAYLOAD];
        InetSocketAddress target = new InetSocketAddress(serverHost, serverPort + 1);
        try (HandshakeSocket socket = HandshakeSocket.bind(localHost, 0)) {
            long[] sequence = {0};
            if (!Hello.untilChallenged(socket, target, hello, () -> MessageHeader.writeSigned(hello, authenticator,
                    MessageType.HELLO, MessageHeader.FLAG_PROBE, jobId, 0, 0, 0, 0, session, ++sequence[0], payload,
                    payload.length), validator, session, deadline)) {
                throw new ParameterServerUnreachableException("parameter server " + serverHost + ":" + serverPort
                        + " is unreachable from " + localHost + " (no answer of job " + jobName + " on UDP port "
                        + (serverPort + 1) + " within " + timeoutMs + " ms: does it serve this job, with"
                        + " the same secret?)");
            }
        }
    }
}
