package io.averon.ps;

import io.aeron.ExclusivePublication;
import io.averon.ps.protocol.MessageAuthenticator;
import io.averon.ps.protocol.MessageHeader;
import io.averon.ps.protocol.MessageType;
import io.averon.ps.protocol.Refusal;
import io.averon.ps.round.RoundSettings;
import io.averon.ps.transport.EmbeddedMediaDriver;
import io.averon.ps.transport.Ports;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bounds come from the registered model and the server's settings, never from the sender (issue
 * 15, case 4): even a sender with the key cannot make the server allocate by what it claims, use a
 * worker id beyond the expected workers, or average absurd values in.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ParameterServerBoundsTest {

    private static final int PARAMETERS = 1000;

    /**
     * A signed, payload-less PUSH claiming 2^31 - 1 chunks (it once grew a 256 MB bitmap) and a
     * signed HELLO of worker 65,000 of a 2-worker job: both refused and counted, the heap unchanged.
     */
    @Test
    void shouldRefuseChunkCountsAndWorkerIdsTheModelDoesNotAllow() throws Exception {
        int port = Ports.freeUdpPortPair();
        try (ParameterServer server = ParameterServer.start(PsTestSupport.server(port, 2, PARAMETERS).build());
             EmbeddedMediaDriver driver = EmbeddedMediaDriver.launch("test-bounds");
             ParameterServerClient worker = ParameterServerClient.connect(PsTestSupport.client(port, 0, PARAMETERS,
                     driver.directory()).build());
             ExclusivePublication insider = PsTestSupport.admittedPublication(driver, port, 1)) {
            worker.join();
            long heapBefore = heapAfterGc();
            MessageAuthenticator key = new MessageAuthenticator(PsTestSupport.SECRET);
            long jobId = JobIds.of("test-job");
            for (int k = 0; k < 8; k++) {
                UnsafeBuffer push = new UnsafeBuffer(new byte[MessageHeader.OVERHEAD]);
                MessageHeader.write(push, 0, MessageType.PUSH, 0, jobId, server.incarnation(), 1, 0, 0, worker.session(),
                        1_000_000 + k, 50, Integer.MAX_VALUE - 1 - k, Integer.MAX_VALUE, 4, 4, 0);
                key.sign(push, 0, MessageHeader.LENGTH);
                offer(insider, push);
            }
            awaitRefused(server, Refusal.BAD_LENGTH, 8);
            UnsafeBuffer hello = new UnsafeBuffer(new byte[256]);
            byte[] payload = ParameterServerAttackSurfaceTest.helloPayload(1, "127.0.0.1:9");
            int length = MessageHeader.writeSigned(hello, key, MessageType.HELLO, 0, jobId, 0, 0, 65_000, 0, 5, 1,
                    payload, payload.length);
            try (io.averon.ps.transport.HandshakeSocket socket = io.averon.ps.transport.HandshakeSocket.bind("127.0.0.1", 0)) {
                socket.send(hello, length, new java.net.InetSocketAddress("127.0.0.1", port + 1));
            }
            awaitRefused(server, Refusal.BAD_WORKER_ID, 1);
            long grown = heapAfterGc() - heapBefore;
            assertTrue(grown < 16L << 20, "heap grew by " + grown + " bytes");
            assertEquals(2, server.counters().admittedSessions(), "only worker 0's and the insider's sessions");
        }
    }

    /** Two pushes of 3e38 were once averaged to 3e38: now each is refused naming the value, and sane ones are averaged. */
    @Test
    void shouldRefuseAbsurdMagnitudesAndAverageTheRetry() throws Exception {
        int port = Ports.freeUdpPortPair();
        try (ParameterServer server = ParameterServer.start(PsTestSupport.server(port, 1, PARAMETERS).build());
             ParameterServerClient worker = ParameterServerClient.connect(PsTestSupport.client(port, 0, PARAMETERS, null)
                     .build())) {
            long round = worker.join() + 1;
            float[] absurd = new float[PARAMETERS];
            Arrays.fill(absurd, 3e38f);
            ParameterServerException e = assertThrows(ParameterServerException.class,
                    () -> worker.pushAndAwait(round, absurd, PARAMETERS, 10, 30_000));
            assertTrue(e.getMessage().contains("OUT_OF_BOUNDS") && e.getMessage().contains("3.0E38"), e.getMessage());
            assertEquals(1L, server.counters().refused().get(Refusal.OUT_OF_BOUNDS));
            float[] sane = PsTestSupport.contribution(round, 0, PARAMETERS);
            ParameterServerClient.Averaged averaged = worker.pushAndAwait(round, sane, PARAMETERS, 10, 30_000);
            assertArrayEquals(sane, Arrays.copyOf(averaged.values(), averaged.count()));
        }
    }

    /** With maxUpdateNorm 10, a contribution 20 away from the last average is refused; one 5 away is averaged. */
    @Test
    void shouldRefuseAContributionFurtherThanMaxUpdateNormFromTheLastAverage() throws Exception {
        int port = Ports.freeUdpPortPair();
        RoundSettings rounds = RoundSettings.builder().expectedWorkers(1).roundTimeoutMs(30_000).maxUpdateNorm(10).build();
        try (ParameterServer server = ParameterServer.start(PsTestSupport.server(port, 1, PARAMETERS).rounds(rounds)
                .build());
             ParameterServerClient worker = ParameterServerClient.connect(PsTestSupport.client(port, 0, PARAMETERS, null)
                     .build())) {
            long round = worker.join() + 1;
            float[] start = new float[PARAMETERS];
            worker.pushAndAwait(round, start, PARAMETERS, 1, 30_000); // the first global: zeros
            float[] far = new float[PARAMETERS];
            far[3] = 20f;
            ParameterServerException e = assertThrows(ParameterServerException.class,
                    () -> worker.pushAndAwait(round + 1, far, PARAMETERS, 1, 30_000));
            assertTrue(e.getMessage().contains("update norm 20.0 exceeds maxUpdateNorm 10.0"), e.getMessage());
            float[] near = new float[PARAMETERS];
            near[3] = 5f;
            ParameterServerClient.Averaged averaged = worker.pushAndAwait(round + 1, near, PARAMETERS, 1, 30_000);
            assertArrayEquals(near, Arrays.copyOf(averaged.values(), averaged.count()));
            assertEquals(1L, server.counters().refused().get(Refusal.OUT_OF_BOUNDS));
        }
    }

    private static void offer(ExclusivePublication publication, UnsafeBuffer message) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (publication.offer(message, 0, message.capacity()) < 0) {
            assertTrue(System.nanoTime() < deadline, "could not send");
            Thread.sleep(1);
        }
    }

    private static void awaitRefused(ParameterServer server, Refusal reason, long count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (server.counters().refused().getOrDefault(reason, 0L) < count) {
            assertTrue(System.nanoTime() < deadline, () -> reason + " not counted: " + server.counters());
            Thread.sleep(10);
        }
    }

    private static long heapAfterGc() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
