package io.averon.ps;

import io.averon.ps.protocol.MessageAuthenticator;
import io.averon.ps.protocol.MessageHeader;
import io.averon.ps.protocol.MessageType;
import io.averon.ps.protocol.Payloads;
import io.averon.ps.transport.HandshakeSocket;
import io.averon.ps.transport.Ports;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The join proves that datagrams of the MTU get through both ways (PROTOCOL.md, "Joining"): HELLO
 * and CHALLENGE padded to it, never an answer longer than its HELLO, and, on a path that loses
 * only large datagrams (a loopback relay that drops them, as a link of a smaller MTU does), a fast
 * failure naming the MTU that fits. Real sockets and servers.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JoinDatagramSizeTest {

    private static final int PARAMETERS = 5_000;
    /** The server's and the workers' MTU in the relay tests: 8 KiB frames (the default), 64 KiB terms. */
    private static final int MTU = Ports.DEFAULT_MTU_BYTES;
    /** A 1,200-byte link: datagrams of up to 1,172 bytes (less IP and UDP headers) pass. */
    private static final int LINK_MTU = 1200;
    /** Far below the connect timeout (20 s): the MTU error must come within this. */
    private static final long FAST_MS = 5_000;

    @Test
    void shouldAnswerEveryHelloWithAChallengeExactlyAsLongAndNothingBeyondTheMtuOrWithoutTheKey() throws Exception {
        int port = Ports.freeUdpPortPair();
        MessageAuthenticator key = new MessageAuthenticator(PsTestSupport.SECRET);
        long jobId = JobIds.of("test-job");
        InetSocketAddress handshake = new InetSocketAddress("127.0.0.1", port + 1);
        try (ParameterServer server = ParameterServer.start(PsTestSupport.server(port, 2, PARAMETERS).build());
             HandshakeSocket worker = HandshakeSocket.bind("127.0.0.1", 0, 4096)) {
            UnsafeBuffer hello = new UnsafeBuffer(new byte[4096]);
            byte[] payload = Payloads.Hello.encode(4242, "", 4096);
            // a join's HELLO padded to the MTU (1,408), then probes of other sizes of the same session
            int[] sizes = {1408, 148, 600, 1408, 1409, 2048};
            long answeredBytes = 0;
            for (int i = 0; i < sizes.length; i++) {
                int flags = i == 0 ? 0 : MessageHeader.FLAG_PROBE;
                int length = MessageHeader.writeSigned(hello, key, MessageType.HELLO, flags, jobId, 0, 0, 1, 0, 77, i + 1,
                        payload, sizes[i] - MessageHeader.OVERHEAD);
                assertEquals(sizes[i], length);
                worker.send(hello, length, handshake);
                int[] answer = awaitAnswer(worker, 1_000);
                if (sizes[i] > 1408) {
                    assertEquals(0, answer[0], "a HELLO longer than the server's MTU (" + sizes[i] + ") is not answered");
                    continue;
                }
                assertEquals(sizes[i], answer[0], "the CHALLENGE is exactly as long as the HELLO");
                assertEquals(1408, answer[1], "it names the server's MTU");
                assertEquals(1408, answer[2], "and the length of the join session's HELLO that arrived");
                answeredBytes += sizes[i];
            }
            MessageAuthenticator wrongKey = new MessageAuthenticator(
                    "not-the-job-secret-0123456789-xyz".getBytes(StandardCharsets.US_ASCII));
            int length = MessageHeader.writeSigned(hello, wrongKey, MessageType.HELLO, MessageHeader.FLAG_PROBE, jobId, 0,
                    0, 1, 0, 78, 1, payload, 1408 - MessageHeader.OVERHEAD);
            worker.send(hello, length, handshake);
            assertEquals(0, awaitAnswer(worker, 500)[0], "a HELLO without the key is not answered");

            ServerCounters.Snapshot counters = server.counters();
            assertEquals(answeredBytes, counters.handshakeBytesOut(), "the server sent exactly what it answered");
            assertTrue(counters.handshakeBytesOut() < counters.handshakeBytesIn(), "never more than it received: "
                    + counters.handshakeBytesOut() + " out, " + counters.handshakeBytesIn() + " in");
            assertEquals(1, counters.admittedSessions(), "only the join's HELLO opened a session; probes keep nothing");
        }
    }

    @Test
    void shouldJoinWithAHelloAndAChallengePaddedToTheMtuAndAverageExactlyAtTheSmallestMtu() {
        int port = Ports.freeUdpPortPair();
        int mtu = Ports.MIN_MTU_BYTES;
        try (ParameterServer server = ParameterServer.start(PsTestSupport.server(port, 1, PARAMETERS)
                .mtu(mtu, 64 * 1024).build());
             ParameterServerClient client = ParameterServerClient.connect(
                     PsTestSupport.client(port, 0, PARAMETERS, null).mtu(mtu, 64 * 1024).build())) {
            long round = client.join() + 1;
            ServerCounters.Snapshot counters = server.counters();
            assertTrue(counters.handshakeBytesIn() >= mtu && counters.handshakeBytesIn() % mtu == 0,
                    "every HELLO was padded to the MTU: " + counters.handshakeBytesIn() + " bytes");
            assertEquals(counters.handshakeBytesIn(), counters.handshakeBytesOut(), "each answered as long");
            float[] values = PsTestSupport.contribution(round, 0, PARAMETERS);
            RoundClient.Averaged averaged = client.pushAndAwait(round, values, PARAMETERS, 10, 20_000);
            assertArrayEquals(values, Arrays.copyOf(averaged.values(), averaged.count()),
                    "one worker's average is its own vector, in chunks of " + Ports.chunkBytes(mtu) + " bytes");
        }
    }

    @Test
    void shouldFailFastNamingTheMtuThatFitsWhenTheServersLargeAnswersAreLost() throws Exception {
        MtuMismatchException e = joinThroughRelay(Integer.MAX_VALUE, LINK_MTU - 28);
        assertTrue(e.getMessage().contains("datagrams of 8192 bytes (the MTU) reach the parameter server at 127.0.0.1:"),
                e.getMessage());
        assertTrue(e.getMessage().contains("but its answers of that size do not come back"), e.getMessage());
    }

    @Test
    void shouldFailFastNamingTheMtuThatFitsWhenTheWorkersLargeDatagramsAreLost() throws Exception {
        MtuMismatchException e = joinThroughRelay(LINK_MTU - 28, Integer.MAX_VALUE);
        assertTrue(e.getMessage().contains("datagrams of 8192 bytes (the MTU) from this worker do not reach the "
                + "parameter server at 127.0.0.1:"), e.getMessage());
    }

    @Test
    void shouldNameBothMtusWhenTheServerUsesASmallerOne() {
        int port = Ports.freeUdpPortPair();
        try (ParameterServer server = ParameterServer.start(PsTestSupport.server(port, 1, PARAMETERS).build());
             ParameterServerClient client = ParameterServerClient.connect(
                     PsTestSupport.client(port, 0, PARAMETERS, null).mtu(MTU, 64 * 1024).build())) {
            long start = System.nanoTime();
            MtuMismatchException e = assertThrows(MtuMismatchException.class, client::join);
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals("the parameter server at 127.0.0.1:" + port + " uses --mtu 1408, this worker 8192: give the job "
                    + "and its server the same --mtu (spark.averon.mtu)", e.getMessage());
            assertTrue(ms < FAST_MS, "failed after " + ms + " ms");
            assertEquals(0, server.counters().destinations(), "the server never sent to the worker over Aeron");
        }
    }

    @Test
    void shouldStillCallTheServerUnreachableWhenNoDatagramGetsThrough() throws Exception {
        int port = Ports.freeUdpPortPair();
        int relayPort = Ports.freeUdpPortPair();
        try (ParameterServer server = ParameterServer.start(PsTestSupport.server(port, 1, PARAMETERS)
                .mtu(MTU, 64 * 1024).build());
             SizeLimitedRelay relay = new SizeLimitedRelay(relayPort + 1, new InetSocketAddress("127.0.0.1", port + 1),
                     0, 0);
             ParameterServerClient client = ParameterServerClient.connect(PsTestSupport.client(relayPort, 0, PARAMETERS,
                     null).mtu(MTU, 64 * 1024).connectTimeoutMs(2_000).build())) {
            ParameterServerUnreachableException e = assertThrows(ParameterServerUnreachableException.class,
                    client::join);
            assertTrue(relay.droppedForward.get() > 10, "HELLOs and probes were sent: " + relay.droppedForward.get());
            assertEquals("parameter server at 127.0.0.1:" + relayPort + " is unreachable (no answer to HELLO on UDP port "
                    + (relayPort + 1) + " before the deadline)", e.getMessage());
        }
    }

    /**
     * Joins a server of MTU 8,192 through a relay passing at most {@code maxToServer} and
     * {@code maxToWorker} bytes each way; the join must fail fast, naming the fitting MTU.
     */
    private static MtuMismatchException joinThroughRelay(int maxToServer, int maxToWorker) throws Exception {
        int port = Ports.freeUdpPortPair();
        int relayPort = Ports.freeUdpPortPair(); // the relay takes the handshake port; nothing joins further
        try (ParameterServer server = ParameterServer.start(PsTestSupport.server(port, 1, PARAMETERS)
                .mtu(MTU, 64 * 1024).build());
             SizeLimitedRelay relay = new SizeLimitedRelay(relayPort + 1, new InetSocketAddress("127.0.0.1", port + 1),
                     maxToServer, maxToWorker);
             ParameterServerClient client = ParameterServerClient.connect(
                     PsTestSupport.client(relayPort, 0, PARAMETERS, null).mtu(MTU, 64 * 1024).build())) {
            long start = System.nanoTime();
            MtuMismatchException e = assertThrows(MtuMismatchException.class, client::join);
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            assertTrue(relay.droppedForward.get() + relay.droppedBack.get() > 0, "large datagrams were dropped");
            assertEquals(MTU, relay.longestForward.get(), "the worker's HELLO was padded to the MTU");
            String message = e.getMessage();
            assertFalse(message.contains("\n"), "one line: " + message);
            assertTrue(message.contains("127.0.0.1:" + relayPort), "names the server: " + message);
            assertTrue(message.contains("only datagrams of up to 1152 bytes get through both ways"), message);
            assertTrue(message.contains("set --mtu 1152 (spark.averon.mtu) for the job and its server: it fits links of "
                    + "1180 bytes or more"), message);
            assertEquals(Ports.mtuForLink(LINK_MTU), 1152);
            assertTrue(ms < FAST_MS, "failed after " + ms + " ms (the connect timeout is 20 s)");
            ServerCounters.Snapshot counters = server.counters();
            assertTrue(counters.handshakeBytesOut() <= counters.handshakeBytesIn(), "no amplification: "
                    + counters.handshakeBytesOut() + " out, " + counters.handshakeBytesIn() + " in");
            System.out.printf("JoinDatagramSizeTest: failed after %d ms: %s%n", ms, message);
            return e;
        }
    }

    /**
     * The next datagram on {@code socket} within {@code timeoutMs}: its length, the CHALLENGE's
     * server MTU and HELLO bytes; zeros if none came.
     */
    private static int[] awaitAnswer(HandshakeSocket socket, long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        int[] answer = new int[3];
        while (answer[0] == 0 && System.nanoTime() < deadline) {
            socket.poll((b, length, source) -> {
                answer[0] = length;
                answer[1] = Payloads.Challenge.serverMtu(b, 0);
                answer[2] = Payloads.Challenge.helloBytes(b, 0);
            }, 1);
            Thread.sleep(2);
        }
        return answer;
    }
}
