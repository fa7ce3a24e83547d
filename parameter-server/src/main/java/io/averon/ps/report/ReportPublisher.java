package io.averon.ps.report;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.driver.status.SenderPos;
import io.aeron.driver.status.StreamCounter;
import io.averon.ps.JobIds;
import io.averon.ps.protocol.MessageAuthenticator;
import io.averon.ps.protocol.MessageHeader;
import io.averon.ps.protocol.MessageType;
import io.averon.ps.protocol.MessageValidator;
import io.averon.ps.protocol.Payloads;
import io.averon.ps.transport.Channels;
import io.averon.ps.transport.HandshakeSocket;
import io.averon.ps.transport.Hello;
import io.averon.ps.transport.MessageSender;
import io.averon.ps.transport.Ports;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.CloseHelper;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** A worker's publication of reports to the driver's {@link ReportReceiver}. Calls from one thread. */
public final class ReportPublisher implements AutoCloseable {

    private final Aeron aeron;
    private final ExclusivePublication publication;
    private final MessageSender sender;
    private final long jobId;
    private final long runId;
    private final String localHost;
    private final java.net.InetSocketAddress handshakeAddress;
    private final MessageAuthenticator helloAuthenticator;
    private final MessageValidator validator;
    private final int workerId;
    private final int attempt;

    /**
     * @param aeron a connected Aeron client (e.g. the worker's parameter-server client's)
     * @param localHost this worker's interface (where the driver's answer to its HELLO comes back)
     * @param runId the training run (the driver's {@link ReportReceiver} refuses other runs' reports)
     */
    public ReportPublisher(Aeron aeron, String localHost, String driverHost, int port, String jobName, byte[] secret,
                           long runId, int workerId, int attempt, int mtuBytes, int termLength) {
        this.aeron = aeron;
        this.publication = aeron.addExclusivePublication(Channels.workerPublication(driverHost, port, mtuBytes,
                termLength), Channels.REPORT_STREAM);
        this.sender = new MessageSender(publication, new MessageAuthenticator(secret), "driver report endpoint "
                + driverHost + ":" + port);
        this.jobId = JobIds.of(jobName);
        this.runId = runId;
        this.localHost = localHost;
        this.handshakeAddress = new java.net.InetSocketAddress(driverHost, port + 1);
        this.helloAuthenticator = new MessageAuthenticator(secret);
        this.validator = new MessageValidator(new MessageAuthenticator(secret), jobId, 0, Ports.chunkBytes(mtuBytes), 0,
                false);
        this.workerId = workerId;
        this.attempt = attempt;
    }

    /**
     * Waits until the driver's endpoint reads this publication: the first time, says HELLO to its
     * handshake port ({@code port + 1}, repeated until answered) so that it admits this session.
     */
    public void awaitConnected(long timeoutMs) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        if (!publication.isConnected()) {
            sayHello(deadline);
        }
        sender.offer().awaitConnected(publication, deadline);
    }

    private void sayHello(long deadline) {
        long session = io.averon.ps.protocol.Nonces.next();
        byte[] payload = Payloads.Hello.encode(publication.sessionId(), ""); // no endpoint
        UnsafeBuffer hello = new UnsafeBuffer(java.nio.ByteBuffer.allocateDirect(HandshakeSocket.MAX_DATAGRAM));
        try (HandshakeSocket socket = HandshakeSocket.bind(localHost, 0)) {
            // a fresh sequence for every HELLO: the driver's replay window refuses a repeated one
            if (!Hello.untilChallenged(socket, handshakeAddress, hello, () -> MessageHeader.writeSigned(hello,
                    helloAuthenticator, MessageType.HELLO, 0, jobId, runId, 0, workerId, attempt, session,
                    sender.nextSequence(), payload, payload.length), validator, session, deadline)) {
                throw new io.averon.ps.ParameterServerUnreachableException("driver report endpoint "
                        + handshakeAddress.getHostString() + ":" + (handshakeAddress.getPort() - 1)
                        + " did not answer HELLO on UDP port " + handshakeAddress.getPort() + " before the deadline");
            }
        }
    }

    /** Sends one JSON report of at most {@link MessageValidator#MAX_REPORT} UTF-8 bytes. */
    public void sendJson(long round, String json, long timeoutMs) {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > MessageValidator.MAX_REPORT) {
            throw new IllegalArgumentException("report of " + bytes.length + " bytes exceeds "
                    + MessageValidator.MAX_REPORT);
        }
        awaitConnected(timeoutMs);
        sender.sendBytes(MessageType.REPORT, jobId, runId, round, workerId, attempt, bytes, bytes.length,
                System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs));
    }

    /** Sends {@code values[0 .. count)}, chunked. */
    public void sendVector(long round, float[] values, int count, long timeoutMs) {
        awaitConnected(timeoutMs);
        sender.sendVector(MessageType.REPORT_VECTOR, 0, jobId, runId, round, workerId, attempt,
                MessageHeader.NO_SESSION, 0, values, null, count, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs));
    }

    /**
     * Waits until the media driver has sent everything offered so far (its sender position has
     * reached the publication's position), at most {@code timeoutMs}. Call before closing when the
     * worker's media driver closes right after: a closed driver sends nothing more.
     *
     * @return whether everything was sent in time
     */
    public boolean flush(long timeoutMs) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        long target = publication.position();
        int counterId = senderPositionCounter();
        org.agrona.concurrent.IdleStrategy idle = new org.agrona.concurrent.BackoffIdleStrategy();
        while (counterId != -1 && aeron.countersReader().getCounterValue(counterId) < target) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            idle.idle();
        }
        return counterId != -1;
    }

    private int senderPositionCounter() {
        org.agrona.concurrent.status.CountersReader counters = aeron.countersReader();
        int[] found = {-1};
        counters.forEach((counterId, typeId, key, label) -> {
            if (typeId == SenderPos.SENDER_POSITION_TYPE_ID
                    && key.getLong(StreamCounter.REGISTRATION_ID_OFFSET) == publication.registrationId()) {
                found[0] = counterId;
            }
        });
        return found[0];
    }

    @Override
    public void close() {
        CloseHelper.quietClose(publication);
    }
}
