package io.averon.ps;

import io.averon.ps.protocol.Chunking;
import io.averon.ps.protocol.MessageAuthenticator;
import io.averon.ps.protocol.MessageHeader;
import io.averon.ps.protocol.MessageType;
import io.averon.ps.round.RoundSettings;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;

/** Shared fixtures of the parameter-server tests. */
final class PsTestSupport {

    static final byte[] SECRET = "test-secret-0123456789-abcdefghij".getBytes(StandardCharsets.US_ASCII);
    static final byte[] CONFIG_HASH = new byte[32];

    static {
        Arrays.fill(CONFIG_HASH, (byte) 7);
    }

    private PsTestSupport() {
    }

    static ServerContext.Builder server(int port, int workers, int parameters) {
        return ServerContext.builder().bind("127.0.0.1", port).job("test-job", SECRET)
                .model(parameters, 0, CONFIG_HASH)
                .rounds(RoundSettings.builder().expectedWorkers(workers).roundTimeoutMs(30_000).build())
                .mtu(1408, 64 * 1024);
    }

    static ClientContext.Builder client(int port, int worker, int parameters, String aeronDirectory) {
        return ClientContext.builder().server("127.0.0.1", port).job("test-job", SECRET).worker(worker, 0)
                .model(parameters, 0, CONFIG_HASH).aeronDirectory(aeronDirectory).mtu(1408, 64 * 1024)
                .connectTimeoutMs(20_000);
    }

    /**
     * A raw publication to the server at {@code port} whose Aeron session the server admitted: a
     * HELLO for {@code worker}, signed with the job's key, announced it (an insider, or an attacker
     * injecting frames into an admitted worker's session, whose id is visible on the wire). Waits
     * until it is connected.
     */
    static io.aeron.ExclusivePublication admittedPublication(io.averon.ps.transport.EmbeddedMediaDriver driver, int port,
                                                             int worker) throws InterruptedException {
        io.aeron.ExclusivePublication publication = driver.aeron().addExclusivePublication(
                io.averon.ps.transport.Channels.workerPublication("127.0.0.1", port, 1408, 64 * 1024),
                io.averon.ps.transport.Channels.TO_SERVER_STREAM);
        UnsafeBuffer hello = new UnsafeBuffer(ByteBuffer.allocateDirect(io.averon.ps.transport.HandshakeSocket.MAX_DATAGRAM));
        byte[] payload = new byte[io.averon.ps.protocol.MessageValidator.HELLO_FIXED_PAYLOAD];
        ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN).putInt(publication.sessionId());
        MessageAuthenticator key = new MessageAuthenticator(SECRET);
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
        try (io.averon.ps.transport.HandshakeSocket socket = io.averon.ps.transport.HandshakeSocket.bind("127.0.0.1", 0)) {
            for (long sequence = 1; !publication.isConnected(); sequence++) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("the server never admitted the raw publication");
                }
                int length = MessageHeader.writeSigned(hello, key, MessageType.HELLO, 0,
                        io.averon.ps.JobIds.of("test-job"), 0, 0, worker, 0, 77, sequence, payload, payload.length);
                socket.send(hello, length, new java.net.InetSocketAddress("127.0.0.1", port + 1));
                Thread.sleep(100);
            }
        }
        return publication;
    }

    /** The values worker {@code w} pushes in round {@code r}. */
    static float[] contribution(long round, int worker, int length) {
        SplittableRandom random = new SplittableRandom(round * 1_000_003L + worker);
        float[] values = new float[length];
        for (int i = 0; i < length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }

    /** The sample count worker {@code w} reports in round {@code r} (sometimes 0). */
    static long samples(long round, int worker) {
        return new SplittableRandom(round * 7919L + worker * 31L).nextInt(0, 100);
    }

    /** Reference: sample-weighted mean, summed in double in ascending worker order, cast to float. */
    static float[] weightedMean(long round, int workers, int length) {
        double total = 0;
        for (int w = 0; w < workers; w++) {
            total += samples(round, w);
        }
        double[] sum = new double[length];
        for (int w = 0; w < workers; w++) {
            long n = samples(round, w);
            if (n == 0) {
                continue;
            }
            float[] x = contribution(round, w, length);
            for (int i = 0; i < length; i++) {
                sum[i] += (double) n * x[i];
            }
        }
        float[] mean = new float[length];
        for (int i = 0; i < length; i++) {
            mean[i] = (float) (sum[i] / total);
        }
        return mean;
    }

    /**
     * A PUSH chunk built by hand and signed with {@code key} (sample count 50, attempt 0, zero
     * incarnation unless set afterwards), its payload filled with {@code value}.
     */
    static UnsafeBuffer signedPush(MessageAuthenticator key, long jobId, int worker, long round, long sequence,
                                   int chunkIndex, int chunkCount, long total) {
        return signedPush(key, jobId, 0, MessageHeader.NO_SESSION, worker, round, sequence, chunkIndex, chunkCount,
                total, 0f);
    }

    static UnsafeBuffer signedPush(MessageAuthenticator key, long jobId, long incarnation, long session, int worker,
                                   long round, long sequence, int chunkIndex, int chunkCount, long total, float value) {
        long offset = Chunking.chunkOffset(total, chunkCount, chunkIndex);
        int length = Chunking.chunkLength(total, chunkCount, chunkIndex);
        UnsafeBuffer b = new UnsafeBuffer(ByteBuffer.allocateDirect(MessageHeader.OVERHEAD + length));
        MessageHeader.write(b, 0, new MessageHeader.Fields(MessageType.PUSH, 0, jobId, incarnation, round, worker, 0,
                session, sequence, 50), chunkIndex, chunkCount, total, offset, length);
        for (int i = 0; i < length; i += Float.BYTES) {
            b.putFloat(MessageHeader.LENGTH + i, value, ByteOrder.LITTLE_ENDIAN);
        }
        key.sign(b, 0, MessageHeader.LENGTH + length);
        return b;
    }
}
