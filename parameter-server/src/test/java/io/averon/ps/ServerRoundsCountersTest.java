package io.averon.ps;

import io.averon.ps.protocol.MessageHeader;
import io.averon.ps.protocol.MessageType;
import io.averon.ps.protocol.Refusal;
import io.averon.ps.round.RoundSettings;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The server's round side counts into its one set of counters ({@link ServerCounters}): driven
 * directly, without Aeron (no worker has a stream, so nothing is sent).
 */
@Tag("fast")
class ServerRoundsCountersTest {

    private static final long HEARTBEAT_TIMEOUT_MS = 1_000;
    /** How much later than the others the straggler pushes. */
    private static final long STRAGGLER_MS = 30;

    private final ServerCounters counters = new ServerCounters(3);
    private final ServerRounds rounds = rounds(3);

    @Test
    void shouldCountWorkersDeclaredDeadInTheSnapshot() {
        rounds.join(0, 1);
        rounds.join(1, 1);
        rounds.join(2, 1);
        assertEquals(0, rounds.poll(ServerAgent.nowMs()));
        assertEquals(0, counters.snapshot().workersDeclaredDead());

        rounds.poll(ServerAgent.nowMs() + HEARTBEAT_TIMEOUT_MS + 1);
        assertEquals(3, counters.snapshot().workersDeclaredDead(), "every silent worker, once");
        rounds.poll(ServerAgent.nowMs() + 2 * HEARTBEAT_TIMEOUT_MS + 2);
        assertEquals(3, counters.snapshot().workersDeclaredDead(), "a dead worker is not declared dead again");
    }

    @Test
    void shouldCountALatePushOnceAsRefusedAndLate() {
        rounds.join(0, 1);
        rounds.onMessage(MessageType.PUSH, push(0, 0), 0, 0, 1);
        assertEquals(1, counters.snapshot().lateContributions());
        assertEquals(1L, counters.snapshot().refused().get(Refusal.WRONG_ROUND));

        rounds.onMessage(MessageType.PUSH, push(0, 2), 0, 0, 1);
        assertEquals(1, counters.snapshot().lateContributions(), "an early push is not late");
        assertEquals(2L, counters.snapshot().refused().get(Refusal.WRONG_ROUND));
    }

    @Test
    void shouldSumHowLateEachWorkersContributionsCompletedOverClosedRoundsInTheSnapshot() throws InterruptedException {
        rounds.join(0, 1);
        rounds.join(1, 1);
        rounds.join(2, 1);
        for (long round = 1; round <= 2; round++) {
            rounds.onMessage(MessageType.PUSH, push(0, round), 0, 0, 1);
            rounds.onMessage(MessageType.PUSH, push(1, round), 0, 1, 1);
            Thread.sleep(STRAGGLER_MS);
            assertEquals(0, rounds.poll(ServerAgent.nowMs()), "round " + round + " waits for worker 2");
            rounds.onMessage(MessageType.PUSH, push(2, round), 0, 2, 1);
            assertEquals(1, rounds.poll(ServerAgent.nowMs()), "round " + round + " closes");
        }

        List<Long> lagMs = counters.snapshot().roundLagMs();
        assertEquals(3, lagMs.size(), "one sum per expected worker");
        assertEquals(0L, lagMs.get(0), "worker 0 was first in both rounds");
        assertTrue(lagMs.get(2) >= 2 * STRAGGLER_MS, "worker 2 came last in both rounds: " + lagMs);
        assertTrue(lagMs.get(2) > lagMs.get(1), lagMs::toString);
    }

    private ServerRounds rounds(int workers) {
        ServerContext context = ServerContext.builder().bind("127.0.0.1", 40_000).job("counters", new byte[32])
                .model(1, 0, new byte[32])
                .rounds(RoundSettings.builder().expectedWorkers(workers).heartbeatTimeoutMs(HEARTBEAT_TIMEOUT_MS)
                        .build())
                .build();
        WorkerSessions sessions = new WorkerSessions(workers, null, null);
        ServerOutbound outbound = new ServerOutbound(sessions, null, null, 1, 1, workers,
                io.averon.ps.transport.Ports.DEFAULT_MTU_BYTES, counters);
        return new ServerRounds(context, 1, null, null, sessions, outbound, counters);
    }

    /** The header of one PUSH chunk for {@code round} (the round side reads no further for a wrong round). */
    private static UnsafeBuffer push(int worker, long round) {
        UnsafeBuffer b = new UnsafeBuffer(ByteBuffer.allocate(MessageHeader.OVERHEAD + 4));
        MessageHeader.write(b, 0, MessageType.PUSH, 0, 1, 1, round, worker, 0, 1, 1, 1, 0, 1, 4, 0, 4);
        return b;
    }
}
