package io.averon.ps;

import io.aeron.ExclusivePublication;
import io.averon.ps.protocol.MessageAuthenticator;
import io.averon.ps.protocol.MessageHeader;
import io.averon.ps.protocol.MessageType;
import io.averon.ps.protocol.MessageValidator;
import io.averon.ps.protocol.Refusal;
import io.averon.ps.round.RoundSettings;
import io.averon.ps.transport.Channels;
import io.averon.ps.transport.EmbeddedMediaDriver;
import io.averon.ps.transport.HandshakeSocket;
import io.averon.ps.transport.Ports;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Freshness (issue 15, case 3): messages of an earlier server run or of an earlier join are refused
 * and counted, attempts cannot lock a worker out, and one long-lived server serves successive
 * training runs, also one resubmitted right after its driver died.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class ParameterServerFreshnessTest {

    private static final int PARAMETERS = 1000;

    /**
     * A HELLO and a JOIN captured while one server run registered a 5-parameter model are replayed
     * (from a publication with the captured Aeron session id) after the server restarted with the
     * same job and secret: the JOIN is refused as another run's, nothing is registered, and the real
     * worker then joins and trains.
     */
    @Test
    void shouldRefuseAJoinCapturedInAnEarlierServerRunWhenReplayedAfterARestart() throws Exception {
        int port = Ports.freeUdpPortPair();
        ServerContext context = PsTestSupport.server(port, 1, PARAMETERS).registerOnFirstJoin(10_000).build();
        byte[][] captured;
        try (ParameterServer first = ParameterServer.start(context);
             EmbeddedMediaDriver driver = EmbeddedMediaDriver.launch("test-capture")) {
            captured = HandJoin.join(driver, port, 0, 5, 4242);
            assertEquals(0, first.counters().refusedTotal(), "the captured join was accepted in its own run");
            try (ParameterServerClient other = ParameterServerClient.connect(
                    PsTestSupport.client(port, 0, PARAMETERS, null).build())) {
                ParameterServerException e = org.junit.jupiter.api.Assertions.assertThrows(ParameterServerException.class,
                        other::join);
                assertTrue(e.getMessage().contains("model mismatch: the server has 5 parameters"), e.getMessage());
            }
        }
        try (ParameterServer second = ParameterServer.start(context);
             EmbeddedMediaDriver driver = EmbeddedMediaDriver.launch("test-replay");
             ExclusivePublication replayer = driver.aeron().addExclusivePublication(
                     Channels.workerPublication("127.0.0.1", port, 1408, 64 * 1024) + "|session-id=4242",
                     Channels.TO_SERVER_STREAM);
             HandshakeSocket socket = HandshakeSocket.bind("127.0.0.1", 0)) {
            UnsafeBuffer hello = new UnsafeBuffer(captured[0]);
            UnsafeBuffer join = new UnsafeBuffer(captured[1]);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!replayer.isConnected()) { // the replayed HELLO admits the captured session again
                assertTrue(System.nanoTime() < deadline, "replayed HELLO never admitted the session");
                socket.send(hello, hello.capacity(), new InetSocketAddress("127.0.0.1", port + 1));
                Thread.sleep(100);
            }
            while (replayer.offer(join, 0, join.capacity()) < 0) {
                assertTrue(System.nanoTime() < deadline, "could not replay the JOIN");
                Thread.sleep(1);
            }
            while (second.counters().refused().getOrDefault(Refusal.WRONG_INCARNATION, 0L) < 1) {
                assertTrue(System.nanoTime() < deadline, () -> "replayed JOIN not refused: " + second.counters());
                Thread.sleep(10);
            }
            // the real worker, with the real model, is not told "model mismatch"
            try (ParameterServerClient worker = ParameterServerClient.connect(
                    PsTestSupport.client(port, 0, PARAMETERS, null).build())) {
                long round = worker.join() + 1;
                float[] values = PsTestSupport.contribution(round, 0, PARAMETERS);
                ParameterServerClient.Averaged averaged = worker.pushAndAwait(round, values, PARAMETERS, 3, 30_000);
                assertArrayEquals(values, Arrays.copyOf(averaged.values(), averaged.count()));
            }
            assertEquals(0L, second.counters().refused().getOrDefault(Refusal.MODEL_MISMATCH, 0L));
        }
    }

    /** A worker id joined once with attempt 1,000,000 (a key holder's mistake, or a replay) does not lock it out. */
    @Test
    void shouldLetAWorkerJoinWithAnyAttemptAfterOneWithAHighAttempt() throws Exception {
        int port = Ports.freeUdpPortPair();
        try (ParameterServer server = ParameterServer.start(PsTestSupport.server(port, 1, PARAMETERS).build())) {
            long round;
            try (ParameterServerClient high = ParameterServerClient.connect(PsTestSupport.client(port, 0, PARAMETERS, null)
                    .worker(0, 1_000_000).build())) {
                round = high.join() + 1;
                high.pushAndAwait(round, PsTestSupport.contribution(round, 0, PARAMETERS), PARAMETERS, 1, 30_000);
            }
            try (ParameterServerClient low = ParameterServerClient.connect(PsTestSupport.client(port, 0, PARAMETERS, null)
                    .worker(0, 0).build())) {
                long next = low.join() + 1;
                assertEquals(round + 1, next);
                float[] values = PsTestSupport.contribution(next, 0, PARAMETERS);
                ParameterServerClient.Averaged averaged = low.pushAndAwait(next, values, PARAMETERS, 1, 30_000);
                assertArrayEquals(values, Arrays.copyOf(averaged.values(), averaged.count()));
            }
            assertEquals(2, server.counters().roundsClosed());
        }
    }

    /**
     * One server, two training runs one after the other (different run ids, different models): the
     * second starts over from round 1 with its own model, and each round is its workers' mean.
     */
    @Test
    void shouldServeSuccessiveTrainingRunsFromRoundOne() throws Exception {
        int port = Ports.freeUdpPortPair();
        ServerContext context = PsTestSupport.server(port, 2, PARAMETERS).registerOnFirstJoin(10_000).build();
        try (ParameterServer server = ParameterServer.start(context)) {
            assertEquals(List.of(1L, 2L, 3L), run(port, 11, PARAMETERS, 3));
            assertEquals(List.of(1L, 2L, 3L), run(port, 22, PARAMETERS * 2, 3), "the second run starts over");
            assertEquals(6, server.counters().roundsClosed());
        }
    }

    /**
     * The workers of a run are killed (their driver died, and Spark's executors with it) while they
     * wait in round 2; the run is resubmitted at once. Its JOINs are refused as BUSY while the old
     * workers count as live, then accepted once they are declared dead; the new run trains from
     * round 1.
     */
    @Test
    void shouldServeARunResubmittedRightAfterItsDriverDied(@TempDir Path tmp) throws Exception {
        int port = Ports.freeUdpPortPair();
        Path secretFile = Files.write(tmp.resolve("secret"), PsTestSupport.SECRET);
        RoundSettings rounds = RoundSettings.builder().expectedWorkers(2).roundTimeoutMs(60_000)
                .heartbeatTimeoutMs(1_500).build();
        List<Process> old = new ArrayList<>();
        try (ParameterServer server = ParameterServer.start(PsTestSupport.server(port, 2, PARAMETERS).rounds(rounds)
                .build())) {
            for (int w = 0; w < 2; w++) {
                old.add(new ProcessBuilder(java(), "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED", "-Xmx256m",
                        "-cp", System.getProperty("java.class.path"), WorkerProcessMain.class.getName(),
                        Integer.toString(port), Integer.toString(w), "5", Integer.toString(PARAMETERS),
                        secretFile.toString(), "2", "11").redirectErrorStream(true).start());
            }
            for (Process p : old) {
                awaitLine(p, "HANGING 2");
            }
            for (Process p : old) {
                p.destroyForcibly();
                assertTrue(p.waitFor(10, TimeUnit.SECONDS));
                assertEquals(137, p.exitValue(), "SIGKILL: the fault really happened");
            }
            assertEquals(List.of(1L, 2L, 3L), run(port, 22, PARAMETERS, 3), "the resubmitted run starts over");
            assertTrue(server.counters().refused().getOrDefault(Refusal.BUSY, 0L) >= 1,
                    () -> "the old run's workers were still live when the new one joined: " + server.counters());
        } finally {
            old.forEach(Process::destroyForcibly);
        }
    }

    /** Runs {@code rounds} rounds of a training run with two workers; returns the rounds' numbers. */
    private static List<Long> run(int port, long runId, int parameters, int rounds) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<List<Long>>> workers = new ArrayList<>();
            for (int w = 0; w < 2; w++) {
                int worker = w;
                workers.add(pool.submit(() -> {
                    List<Long> seen = new ArrayList<>();
                    try (ParameterServerClient client = ParameterServerClient.connect(PsTestSupport.client(port, worker,
                            parameters, null).run(runId, false).build())) {
                        long round = client.join() + 1;
                        for (int r = 0; r < rounds; r++, round++) {
                            ParameterServerClient.Averaged averaged = client.pushAndAwait(round,
                                    PsTestSupport.contribution(round, worker, parameters), parameters,
                                    PsTestSupport.samples(round, worker), 30_000);
                            assertArrayEquals(PsTestSupport.weightedMean(round, 2, parameters),
                                    Arrays.copyOf(averaged.values(), averaged.count()), "round " + round);
                            seen.add(averaged.round());
                        }
                    }
                    return seen;
                }));
            }
            List<Long> first = workers.get(0).get(120, TimeUnit.SECONDS);
            assertEquals(first, workers.get(1).get(120, TimeUnit.SECONDS));
            return first;
        } finally {
            pool.shutdownNow();
        }
    }

    private static void awaitLine(Process p, String expected) throws Exception {
        BufferedReader reader = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        List<String> seen = new ArrayList<>();
        String line;
        while ((line = reader.readLine()) != null) {
            seen.add(line);
            if (line.startsWith(expected)) {
                return;
            }
        }
        throw new AssertionError("never printed " + expected + ": " + seen);
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** A worker's join done by hand, keeping the bytes of its HELLO and JOIN, as a capture would. */
    private static final class HandJoin {

        /** Joins as {@code worker} with a model of {@code parameters}; returns the HELLO's and the JOIN's bytes. */
        static byte[][] join(EmbeddedMediaDriver driver, int port, int worker, int parameters, int aeronSession)
                throws Exception {
            MessageAuthenticator key = new MessageAuthenticator(PsTestSupport.SECRET);
            long jobId = JobIds.of("test-job");
            long session = 0x5EED;
            try (ExclusivePublication publication = driver.aeron().addExclusivePublication(
                    Channels.workerPublication("127.0.0.1", port, 1408, 64 * 1024) + "|session-id=" + aeronSession,
                    Channels.TO_SERVER_STREAM);
                 HandshakeSocket socket = HandshakeSocket.bind("127.0.0.1", 0)) {
                byte[] helloPayload = ParameterServerAttackSurfaceTest.helloPayload(aeronSession, "127.0.0.1:9");
                UnsafeBuffer hello = new UnsafeBuffer(new byte[HandshakeSocket.MAX_DATAGRAM]);
                int helloLength = MessageHeader.writeSigned(hello, key, MessageType.HELLO, 0, jobId, 0, 0, worker, 0,
                        session, 1, helloPayload, helloPayload.length);
                long[] challenge = new long[2];
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                socket.send(hello, helloLength, new InetSocketAddress("127.0.0.1", port + 1));
                while (challenge[1] == 0) {
                    assertTrue(System.nanoTime() < deadline, "no CHALLENGE");
                    socket.poll((b, length, source) -> {
                        challenge[0] = MessageHeader.incarnation(b, 0);
                        challenge[1] = b.getLong(MessageHeader.LENGTH, ByteOrder.LITTLE_ENDIAN);
                    }, 1);
                    Thread.sleep(5);
                }
                while (!publication.isConnected()) {
                    assertTrue(System.nanoTime() < deadline, "not admitted");
                    Thread.sleep(5);
                }
                ByteBuffer payload = ByteBuffer.allocate(MessageValidator.JOIN_PAYLOAD).order(ByteOrder.LITTLE_ENDIAN);
                payload.putLong(parameters).putLong(0).put(PsTestSupport.CONFIG_HASH).putLong(challenge[1])
                        .putInt(Ports.chunkBytes(1408)).putLong(0).putInt(1);
                UnsafeBuffer join = new UnsafeBuffer(new byte[MessageHeader.OVERHEAD + MessageValidator.JOIN_PAYLOAD]);
                MessageHeader.writeSigned(join, key, MessageType.JOIN, 0, jobId, challenge[0], 0, worker, 0, session, 2,
                        payload.array(), payload.capacity());
                while (publication.offer(join, 0, join.capacity()) < 0) {
                    assertTrue(System.nanoTime() < deadline, "could not send the JOIN");
                    Thread.sleep(1);
                }
                Thread.sleep(500); // let the server register the model before this publication closes
                return new byte[][] {Arrays.copyOf(hello.byteArray(), helloLength), join.byteArray().clone()};
            }
        }
    }
}
