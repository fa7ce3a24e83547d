package io.averon.ps;

import io.averon.ps.protocol.Refusal;
import io.averon.ps.report.Report;
import io.averon.ps.report.ReportPublisher;
import io.averon.ps.report.ReportReceiver;
import io.averon.ps.transport.EmbeddedMediaDriver;
import io.averon.ps.transport.Ports;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A relaunched worker resumes from the last closed round's global; workers report to the driver's endpoint. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ResumeJoinAndReportTest {

    private static final int PARAMETERS = 3000;

    @Test
    void shouldSendLastClosedGlobalWhenRelaunchedWorkerJoinsAskingForIt() throws Exception {
        int port = Ports.freeUdpPortPair();
        try (ParameterServer server = ParameterServer.start(PsTestSupport.server(port, 2, PARAMETERS).build());
             EmbeddedMediaDriver workers = EmbeddedMediaDriver.launch("test-resume")) {
            try (ParameterServerClient w1 = ParameterServerClient.connect(
                    PsTestSupport.client(port, 1, PARAMETERS, workers.directory()).build())) {
                float[] expected;
                try (ParameterServerClient w0 = ParameterServerClient.connect(
                        PsTestSupport.client(port, 0, PARAMETERS, workers.directory()).build())) {
                    assertNull(w0.join(true).global(), "no round has closed: nothing to resume from");
                    w1.join();
                    CompletableFuture<float[]> other = CompletableFuture.supplyAsync(() -> copy(w1.pushAndAwait(1,
                            PsTestSupport.contribution(1, 1, PARAMETERS), PARAMETERS, 30, 30_000)));
                    expected = copy(w0.pushAndAwait(1, PsTestSupport.contribution(1, 0, PARAMETERS), PARAMETERS,
                            10, 30_000));
                    assertArrayEquals(expected, other.get(30, TimeUnit.SECONDS));
                    // round 2: worker 0 pushes, then gives up waiting (its task dies) before the round closes
                    assertThrows(RoundFailedException.class,
                            () -> w0.pushAndAwait(2, new float[PARAMETERS], PARAMETERS, 10, 200));
                }
                try (ParameterServerClient relaunched = ParameterServerClient.connect(
                        PsTestSupport.client(port, 0, PARAMETERS, workers.directory()).worker(0, 1).build())) {
                    ParameterServerClient.Joined joined = relaunched.join(true);
                    assertEquals(1, joined.round(), "round 2 is still open: resume after round 1");
                    assertNotNull(joined.global());
                    assertArrayEquals(expected, Arrays.copyOf(joined.global().values(), joined.global().count()),
                            "the relaunched worker receives round 1's average");
                    // the relaunch's round-2 push replaces the dead task's: the average is of the new values
                    float[] mine = PsTestSupport.contribution(2, 0, PARAMETERS);
                    float[] theirs = PsTestSupport.contribution(2, 1, PARAMETERS);
                    CompletableFuture<float[]> other = CompletableFuture.supplyAsync(() -> copy(w1.pushAndAwait(2,
                            theirs, PARAMETERS, 10, 30_000)));
                    float[] round2 = copy(relaunched.pushAndAwait(2, mine, PARAMETERS, 10, 30_000));
                    assertArrayEquals(round2, other.get(30, TimeUnit.SECONDS));
                    for (int i = 0; i < PARAMETERS; i += 499) {
                        assertEquals((mine[i] + theirs[i]) / 2, round2[i], 1e-6, "value " + i);
                    }
                }
            }
            assertEquals(2, server.counters().roundsClosed());
        }
    }

    private static float[] copy(ParameterServerClient.Averaged averaged) {
        return Arrays.copyOf(averaged.values(), averaged.count());
    }

    @Test
    void shouldDeliverJsonAndVectorReportsOfThisRunAndDropForgedAndOtherRunsOnes() throws Exception {
        int port = Ports.freeUdpPortPair();
        float[] model = PsTestSupport.contribution(7, 0, PARAMETERS);
        String longJson = "{\"epoch\":3,\"pad\":\"" + "x".repeat(5000) + "\"}"; // several frames
        try (ReportReceiver receiver = new ReportReceiver("127.0.0.1", port, "test-job", PsTestSupport.SECRET, 42, 3,
                PARAMETERS, 1408);
             EmbeddedMediaDriver worker = EmbeddedMediaDriver.launch("test-report");
             ReportPublisher publisher = new ReportPublisher(worker.aeron(), "127.0.0.1", "127.0.0.1", port, "test-job",
                     PsTestSupport.SECRET, 42, 1, 0, 1408, 64 * 1024);
             ReportPublisher forger = new ReportPublisher(worker.aeron(), "127.0.0.1", "127.0.0.1", port, "test-job",
                     "another-secret-0123456789-abcdefgh".getBytes(StandardCharsets.US_ASCII), 42, 2, 0, 1408,
                     64 * 1024);
             ReportPublisher earlierRun = new ReportPublisher(worker.aeron(), "127.0.0.1", "127.0.0.1", port, "test-job",
                     PsTestSupport.SECRET, 41, 2, 0, 1408, 64 * 1024)) {
            // the receiver answers HELLOs only while it is polled, as the driver does throughout training
            java.util.concurrent.ExecutorService senders = java.util.concurrent.Executors.newSingleThreadExecutor();
            try {
                java.util.concurrent.Future<?> sent = senders.submit(() -> {
                    // their HELLOs are refused, so the receiver never even reads their Aeron sessions
                    assertThrows(ParameterServerUnreachableException.class,
                            () -> forger.sendJson(3, "{\"forged\":true}", 1_000));
                    assertThrows(ParameterServerUnreachableException.class,
                            () -> earlierRun.sendJson(3, "{\"earlier run\":true}", 1_000));
                    publisher.sendVector(3, model, PARAMETERS, 10_000);
                    publisher.sendJson(3, longJson, 10_000);
                    return null;
                });
                Report vector = receiver.poll(20_000);
                assertNotNull(vector);
                assertEquals(1, vector.workerId());
                assertEquals(3, vector.round());
                assertArrayEquals(model, vector.values());
                Report json = receiver.poll(10_000);
                assertNotNull(json);
                assertEquals(longJson, json.json());
                sent.get(10, TimeUnit.SECONDS);
            } finally {
                senders.shutdownNow();
            }
            assertNull(receiver.poll(300), "the forged and the earlier run's reports were dropped");
            assertTrue(receiver.refusedCounts().getOrDefault(Refusal.BAD_MAC, 0L) >= 1, receiver.refusedCounts()::toString);
            assertTrue(receiver.refusedCounts().getOrDefault(Refusal.WRONG_INCARNATION, 0L) >= 1,
                    receiver.refusedCounts()::toString);
        }
    }
}
