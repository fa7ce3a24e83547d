package io.averon.ps;

import io.aeron.ExclusivePublication;
import io.aeron.Subscription;
import io.aeron.driver.status.SystemCounterDescriptor;
import io.averon.ps.attack.ForgedFrames;
import io.averon.ps.protocol.MessageAuthenticator;
import io.averon.ps.protocol.MessageHeader;
import io.averon.ps.protocol.MessageType;
import io.averon.ps.protocol.MessageValidator;
import io.averon.ps.protocol.Refusal;
import io.averon.ps.transport.Channels;
import io.averon.ps.transport.EmbeddedMediaDriver;
import io.averon.ps.transport.HandshakeSocket;
import io.averon.ps.transport.Ports;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a keyless attacker on the network gets from the parameter server (issue 15, cases 1 and 2):
 * no memory held for it, no answer larger than what it sent, no copy of the model. Each test first
 * shows that the attack reached the server (its media driver's byte counter, the server's refusal
 * counters, the bytes the attacker sent), then that it did no harm.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class ParameterServerAttackSurfaceTest {

    private static final int PARAMETERS = 1000;

    /**
     * Strangers open Aeron sessions and stream the start and middle fragments of messages that never
     * end (raw frames; the server keeps no image for them), and frames injected into sessions the
     * server reads carry messages larger than one frame (Aeron fragments them; the server drops every
     * fragment). The server, in its own JVM, stays within a few MB of its idle heap and RSS.
     */
    @Test
    void shouldKeepTheServersMemoryFlatWhenSessionsStreamMessagesLargerThanOneFrame() throws Exception {
        int port = Ports.freeUdpPortPair();
        int admitted = 8;
        Process server = new ProcessBuilder(Path.java(), "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED",
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), ServerProcessMain.class.getName(),
                Integer.toString(port), Integer.toString(admitted), Integer.toString(PARAMETERS))
                .redirectErrorStream(true).start();
        List<long[]> samples = new CopyOnWriteArrayList<>();
        List<String> output = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> readSamples(server, samples, output));
        reader.setDaemon(true);
        reader.start();
        try (EmbeddedMediaDriver attackerDriver = EmbeddedMediaDriver.launch("test-flood");
             ForgedFrames stranger = new ForgedFrames("127.0.0.1", port)) {
            awaitSamples(samples, 1, output); // listening
            List<ExclusivePublication> injected = new ArrayList<>();
            for (int w = 0; w < admitted; w++) {
                injected.add(PsTestSupport.admittedPublication(attackerDriver, port, w));
            }
            // a tenth of the flood first, so that the idle level includes what runs once (JIT, class loading)
            flood(stranger, 0, 10, injected, 40);
            awaitSamples(samples, samples.size() + 12, output); // ~3 s idle
            long[] idle = last(samples);
            int from = samples.size();

            long strangerBytesBefore = stranger.bytesSent();
            long largeMessages = flood(stranger, 10, 100, injected, 400);
            long[] during = awaitFragments(samples, idle[3] + largeMessages * 5, output);
            awaitSamples(samples, samples.size() + 8, output);
            long[] after = last(samples);
            List<long[]> measured = samples.subList(from, samples.size());

            // the attack arrived: the server's media driver received the strangers' bytes and the
            // injected frames, and the server counted every fragment it dropped
            long sent = stranger.bytesSent() - strangerBytesBefore + largeMessages * 6 * 1024;
            assertTrue(after[2] - idle[2] >= sent / 2, "server's driver received " + (after[2] - idle[2])
                    + " of " + sent + " bytes sent");
            assertTrue(during[3] - idle[3] >= largeMessages * 5, "fragments dropped: " + (during[3] - idle[3])
                    + ", expected " + largeMessages * 5);
            assertEquals(0, stranger.bytesReceived(), "strangers' SETUPs and frames got no answer");
            // and did no harm: heap (after a GC) and RSS stayed within a few MB of idle
            long peakHeap = measured.stream().mapToLong(s -> s[0]).max().orElseThrow();
            long peakRssKb = measured.stream().mapToLong(s -> s[1]).max().orElseThrow();
            System.out.printf("flood of %,d stranger frames and %,d fragmented messages: heap idle %,d peak %,d bytes;"
                            + " RSS idle %,d peak %,d kB%n", 90 * 100, largeMessages, idle[0], peakHeap, idle[1],
                    peakRssKb);
            assertTrue(peakHeap - idle[0] < 4L << 20, "heap grew by " + (peakHeap - idle[0]) + " bytes");
            assertTrue(peakRssKb - idle[1] < 4 * 1024, "RSS grew by " + (peakRssKb - idle[1]) + " kB");
        } finally {
            server.destroyForcibly();
            server.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /**
     * Thousands of forged SETUPs (each could open an image that status messages answer) and status
     * messages asking for a SETUP (once, they made a sender of the caller): the server sends nothing
     * back, so bytes out / bytes in is 0.
     */
    @Test
    void shouldAnswerForgedSetupsAndStatusMessagesWithNothing() throws Exception {
        int port = Ports.freeUdpPortPair();
        try (ParameterServer server = ParameterServer.start(PsTestSupport.server(port, 2, PARAMETERS).build());
             io.aeron.Aeron counters = io.aeron.Aeron.connect(EmbeddedMediaDriver.clientContext(server.aeronDirectory()));
             ForgedFrames toData = new ForgedFrames("127.0.0.1", port);
             ForgedFrames toHandshake = new ForgedFrames("127.0.0.1", port + 1)) {
            long before = counters.countersReader().getCounterValue(SystemCounterDescriptor.BYTES_RECEIVED.id());
            for (int i = 0; i < 3000; i++) {
                toData.setup(1000 + i, Channels.TO_SERVER_STREAM, 64 * 1024, 1408);
                toHandshake.statusMessageAskingForSetup(2000 + i, Channels.TO_WORKERS_STREAM);
                toHandshake.setup(3000 + i, Channels.TO_WORKERS_STREAM, 64 * 1024, 1408);
                if (i % 100 == 0) {
                    Thread.sleep(5);
                }
            }
            Thread.sleep(3000); // Aeron answered each SETUP with status messages every 200 ms for 10 s before
            long received = counters.countersReader().getCounterValue(SystemCounterDescriptor.BYTES_RECEIVED.id())
                    - before;
            assertTrue(received >= toData.bytesSent() / 2, "the server's driver received " + received + " of "
                    + toData.bytesSent() + " bytes of SETUPs");
            assertTrue(server.counters().handshakeBytesIn() >= toHandshake.bytesSent() / 2, "handshake port received "
                    + server.counters().handshakeBytesIn() + " of " + toHandshake.bytesSent() + " bytes");
            assertTrue(server.counters().refused().getOrDefault(Refusal.TOO_SHORT, 0L) > 0, server.counters()::toString);
            long in = toData.bytesSent() + toHandshake.bytesSent();
            long out = toData.bytesReceived() + toHandshake.bytesReceived();
            System.out.printf("forged SETUPs and status messages: %,d bytes in, %,d bytes out%n", in, out);
            assertEquals(0, out, "bytes out / bytes in = " + (double) out / in);
            assertEquals(0, server.counters().admittedSessions(), "no session admitted");
            assertEquals(0, server.counters().destinations(), "nobody to send to");
        }
    }

    /**
     * A joined worker reads only the server's session too: 2,000 forged SETUPs and status messages
     * sent to its receive endpoint get no answer, and its next round is exact.
     */
    @Test
    void shouldAnswerForgedSetupsToAWorkersEndpointWithNothing() throws Exception {
        int port = Ports.freeUdpPortPair();
        try (ParameterServer server = ParameterServer.start(PsTestSupport.server(port, 1, PARAMETERS).build());
             EmbeddedMediaDriver workerDriver = EmbeddedMediaDriver.launch("test-worker-surface");
             io.aeron.Aeron counters = io.aeron.Aeron.connect(EmbeddedMediaDriver.clientContext(workerDriver.directory()));
             ParameterServerClient worker = ParameterServerClient.connect(PsTestSupport.client(port, 0, PARAMETERS,
                     workerDriver.directory()).build())) {
            long round = worker.join() + 1;
            String endpoint = worker.localEndpoint();
            long before = counters.countersReader().getCounterValue(SystemCounterDescriptor.BYTES_RECEIVED.id());
            try (ForgedFrames stranger = new ForgedFrames("127.0.0.1",
                    Integer.parseInt(endpoint.substring(endpoint.lastIndexOf(':') + 1)))) {
                for (int i = 0; i < 2000; i++) {
                    stranger.setup(7000 + i, Channels.TO_WORKERS_STREAM, 64 * 1024, 1408);
                    stranger.statusMessageAskingForSetup(7000 + i, Channels.TO_WORKERS_STREAM);
                    if (i % 100 == 0) {
                        Thread.sleep(5);
                    }
                }
                Thread.sleep(2000);
                long received = counters.countersReader().getCounterValue(SystemCounterDescriptor.BYTES_RECEIVED.id())
                        - before;
                assertTrue(received >= stranger.bytesSent() / 2, "the worker's driver received " + received + " of "
                        + stranger.bytesSent() + " bytes");
                assertEquals(0, stranger.bytesReceived(), "bytes out / bytes in = " + stranger.bytesReceived() + " / "
                        + stranger.bytesSent());
            }
            float[] values = PsTestSupport.contribution(round, 0, PARAMETERS);
            ParameterServerClient.Averaged averaged = worker.pushAndAwait(round, values, PARAMETERS, 5, 30_000);
            assertArrayEquals(values, Arrays.copyOf(averaged.values(), averaged.count()));
        }
    }

    /**
     * While two workers run rounds, a keyless listener subscribes as receivers of dynamic MDC did
     * (status messages to PORT + 1) and says HELLO with a wrong key: it receives nothing, while the
     * server sends to exactly the two workers' endpoints, and to none once they left.
     */
    @Test
    void shouldSendNothingToAKeylessListenerWhileWorkersRunRounds() throws Exception {
        int port = Ports.freeUdpPortPair();
        try (ParameterServer server = ParameterServer.start(PsTestSupport.server(port, 2, PARAMETERS).build());
             EmbeddedMediaDriver listenerDriver = EmbeddedMediaDriver.launch("test-listener");
             Subscription listener = listenerDriver.aeron().addSubscription("aeron:udp?endpoint=127.0.0.1:0|control=127.0.0.1:"
                     + (port + 1) + "|control-mode=dynamic", Channels.TO_WORKERS_STREAM);
             HandshakeSocket keyless = HandshakeSocket.bind("127.0.0.1", 0)) {
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                List<Future<List<float[]>>> workers = new ArrayList<>();
                for (int w = 0; w < 2; w++) {
                    int worker = w;
                    workers.add(pool.submit(() -> rounds(port, worker, 5)));
                }
                UnsafeBuffer hello = new UnsafeBuffer(ByteBuffer.allocateDirect(HandshakeSocket.MAX_DATAGRAM));
                byte[] payload = helloPayload(12345, keyless.localAddress().getHostString() + ":"
                        + keyless.localAddress().getPort());
                MessageAuthenticator wrongKey = new MessageAuthenticator(
                        "not-the-job-secret-0123456789-xyz".getBytes(StandardCharsets.US_ASCII));
                long maxDestinations = 0;
                for (int i = 0; i < 50; i++) {
                    int length = MessageHeader.writeSigned(hello, wrongKey, MessageType.HELLO, 0,
                            JobIds.of("test-job"), 0, 0, 0, 0, 99, i + 1, payload, payload.length);
                    keyless.send(hello, length, new InetSocketAddress("127.0.0.1", port + 1));
                    maxDestinations = Math.max(maxDestinations, server.counters().destinations());
                    Thread.sleep(20);
                }
                for (int w = 0; w < 2; w++) {
                    List<float[]> averaged = workers.get(w).get(60, TimeUnit.SECONDS);
                    for (int r = 1; r <= 5; r++) {
                        assertArrayEquals(PsTestSupport.weightedMean(r, 2, PARAMETERS), averaged.get(r - 1));
                    }
                }
                ServerCounters.Snapshot counters = server.counters();
                assertTrue(counters.refused().getOrDefault(Refusal.BAD_MAC, 0L) >= 50, counters::toString);
                assertTrue(counters.refused().getOrDefault(Refusal.TOO_SHORT, 0L) > 0,
                        () -> "the listener's status messages reached the handshake port: " + counters);
                assertTrue(maxDestinations <= 2, "the server sent to " + maxDestinations + " endpoints");
                int[] fragments = {0};
                listener.poll((b, o, l, h) -> fragments[0]++, 1000);
                assertEquals(0, fragments[0], "the keyless listener received nothing");
                assertTrue(listener.imageCount() == 0, "no image of the server's stream at the listener");
                assertEquals(0, keyless.poll((b, l, s) -> { }, 10), "no answer to a HELLO without the key");
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (server.counters().destinations() > 0 && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertEquals(0, server.counters().destinations(), "the workers left: nobody to send to");
                assertEquals(0, server.counters().admittedSessions(), "and no session to read");
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /**
     * Strangers {@code [fromSession, toSession)} each send a SETUP and 100 frames of a message that
     * never ends; then every injected session sends {@code messages} messages of 6 KiB (5 frames
     * each). Returns how many 6 KiB messages were sent.
     */
    private static long flood(ForgedFrames stranger, int fromSession, int toSession, List<ExclusivePublication> injected,
                              int messages) throws InterruptedException {
        for (int session = fromSession; session < toSession; session++) {
            stranger.setup(5000 + session, Channels.TO_SERVER_STREAM, 16 << 20, 1408);
            for (int frame = 0; frame < 100; frame++) {
                stranger.unendedFragment(5000 + session, Channels.TO_SERVER_STREAM, 16 << 20, frame, 1344);
            }
            Thread.sleep(2); // let the kernel's receive buffer drain: the point is what arrives
        }
        UnsafeBuffer large = new UnsafeBuffer(ByteBuffer.allocateDirect(6 * 1024));
        long sent = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (int k = 0; k < messages; k++) {
            for (ExclusivePublication p : injected) {
                while (p.offer(large, 0, large.capacity()) < 0) {
                    assertTrue(System.nanoTime() < deadline, "the injected sessions stalled");
                    Thread.yield();
                }
                sent++;
            }
        }
        return sent;
    }

    static byte[] helloPayload(int aeronSession, String endpoint) {
        byte[] host = endpoint.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(MessageValidator.HELLO_FIXED_PAYLOAD + host.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(aeronSession).put(new byte[14]).putShort((short) host.length).put(host);
        return b.array();
    }

    private static List<float[]> rounds(int port, int worker, int rounds) {
        List<float[]> averaged = new ArrayList<>();
        try (ParameterServerClient client = ParameterServerClient.connect(
                PsTestSupport.client(port, worker, PARAMETERS, null).build())) {
            long round = client.join() + 1;
            for (int r = 0; r < rounds; r++, round++) {
                ParameterServerClient.Averaged result = client.pushAndAwait(round,
                        PsTestSupport.contribution(round, worker, PARAMETERS), PARAMETERS,
                        PsTestSupport.samples(round, worker), 60_000);
                averaged.add(Arrays.copyOf(result.values(), result.count()));
            }
        }
        return averaged;
    }

    private static final class Path {
        static String java() {
            return java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString();
        }
    }

    private static void readSamples(Process process, List<long[]> samples, List<String> output) {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.startsWith("SAMPLE ")) {
                    samples.add(Arrays.stream(line.substring(7).split(" ")).mapToLong(Long::parseLong).toArray());
                } else {
                    output.add(line);
                }
            }
        } catch (java.io.IOException e) {
            // the process ended
        }
    }

    private static void awaitSamples(List<long[]> samples, int count, List<String> output) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (samples.size() < count) {
            assertTrue(System.nanoTime() < deadline, () -> "the server stopped sampling: " + output);
            Thread.sleep(50);
        }
    }

    private static long[] awaitFragments(List<long[]> samples, long fragments, List<String> output)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (samples.isEmpty() || last(samples)[3] < fragments) {
            if (System.nanoTime() > deadline) {
                return last(samples);
            }
            Thread.sleep(50);
        }
        return last(samples);
    }

    private static long[] last(List<long[]> samples) {
        return samples.get(samples.size() - 1);
    }
}
