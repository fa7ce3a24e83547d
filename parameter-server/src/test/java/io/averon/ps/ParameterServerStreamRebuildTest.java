package io.averon.ps;

import io.averon.ps.protocol.Refusal;
import io.averon.ps.round.RoundSettings;
import io.averon.ps.transport.Ports;
import io.averon.ps.transport.Timeouts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A worker's stream to the server rebuilt in the middle of its push (PROTOCOL.md, "Gaps are seen"):
 * the path from the worker's publication to the server is cut (a loopback relay that drops every
 * datagram towards the server) for longer than Aeron's image liveness timeout, so the server's
 * media driver closes the worker's image; once the path is back, Aeron makes a new image at the
 * sender's position, and the frames sent while the path was cut never reach the server. Real
 * sockets, media drivers and server.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ParameterServerStreamRebuildTest {

    /** 4 MB: about 500 frames of 8 KiB, far more than a receiver window, so the cut falls mid-push. */
    private static final int PARAMETERS = 1_000_000;
    private static final int MTU = Ports.DEFAULT_MTU_BYTES;
    private static final int TERM_LENGTH = 64 * 1024;
    private static final int ANY_LENGTH = 65_536;
    /** Far below the round timeout (40 s): the worker must hear within this that its push cannot complete. */
    private static final long FAST_MS = 5_000;

    @Test
    void shouldFailThePushAtOnceNamingTheWorkerWhenItsStreamIsRebuiltMidPush() throws Exception {
        int port = Ports.freeUdpPortPair();
        int relayPort = Ports.freeUdpPortPair();
        ExecutorService pusher = Executors.newSingleThreadExecutor();
        try (ParameterServer server = ParameterServer.start(PsTestSupport.server(port, 1, PARAMETERS)
                .mtu(MTU, TERM_LENGTH)
                .rounds(RoundSettings.builder().expectedWorkers(1).roundTimeoutMs(40_000).heartbeatTimeoutMs(60_000)
                        .build())
                .build());
             SizeLimitedRelay data = new SizeLimitedRelay(relayPort, new InetSocketAddress("127.0.0.1", port),
                     ANY_LENGTH, ANY_LENGTH);
             SizeLimitedRelay handshake = new SizeLimitedRelay(relayPort + 1,
                     new InetSocketAddress("127.0.0.1", port + 1), ANY_LENGTH, ANY_LENGTH);
             ParameterServerClient client = ParameterServerClient.connect(
                     PsTestSupport.client(relayPort, 0, PARAMETERS, null).mtu(MTU, TERM_LENGTH).build())) {
            client.join();
            long joinFrames = data.forwarded.get();
            float[] values = PsTestSupport.contribution(1, 0, PARAMETERS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(80);
            Future<RoundClient.Averaged> round = pusher.submit(() -> {
                client.push(1, values, PARAMETERS, 10, false, deadline);
                return client.awaitAveraged(1, deadline);
            });
            while (data.forwarded.get() < joinFrames + 20) {
                Thread.onSpinWait();
            }
            data.maxForward(0); // the push is under way: cut the path to the server
            Thread.sleep(Timeouts.IMAGE_LIVENESS_MS + 2_000);
            long droppedWhileCut = data.droppedForward.get();
            data.maxForward(ANY_LENGTH);
            long reopened = System.nanoTime();

            ExecutionException e = assertThrows(ExecutionException.class, () -> round.get(FAST_MS, TimeUnit.MILLISECONDS),
                    "the worker's push that lost frames must fail at once, not at the round's timeout");
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - reopened);

            assertTrue(droppedWhileCut > 0, "frames towards the server were dropped while the path was cut");
            assertTrue(server.counters().refused().getOrDefault(Refusal.LOST_MESSAGES, 0L) >= 1,
                    "the server saw messages of the worker's session missing: " + server.counters().refused());
            assertInstanceOf(ParameterServerException.class, e.getCause());
            String message = e.getCause().getMessage();
            assertTrue(message.contains("worker 0: ") && message.contains("lost in transit")
                    && message.contains("round 1"), message);
            assertTrue(ms < FAST_MS, "the push failed " + ms + " ms after the path came back");
        } finally {
            pusher.shutdownNow();
        }
    }
}
