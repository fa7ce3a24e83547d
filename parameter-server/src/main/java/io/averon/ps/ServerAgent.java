package io.averon.ps;

import io.aeron.Aeron;
import io.averon.ps.protocol.MessageAuthenticator;
import io.averon.ps.protocol.Refusal;
import io.averon.ps.round.RoundStateStore;
import io.averon.ps.transport.Channels;
import io.averon.ps.transport.HandshakeSocket;
import io.averon.ps.transport.Outbox;
import io.averon.ps.transport.SessionSubscriptions;
import io.averon.ps.transport.SingleFrameHandler;
import org.agrona.CloseHelper;
import org.agrona.concurrent.Agent;

/**
 * The parameter server's one thread. Its duty cycle polls the handshake socket and the workers'
 * streams ({@link WorkerMessageAdapter}: decode, check, route to {@link JoinHandshake} and
 * {@link ServerRounds}), drains every worker's own stream ({@link WorkerSessions}, filled by
 * {@link ServerOutbound}), expires pending join sessions, updates the gauges of
 * {@link ServerCounters}, and lets the round coordinator end the open round. It never waits for a
 * worker, so a worker that reads slowly holds up nobody else and loses nothing. The parts it wires
 * here own all mutable state, and only this thread touches it.
 */
final class ServerAgent implements Agent {

    private static final int FRAGMENT_LIMIT = 64;

    private final SessionSubscriptions ingress;
    private final HandshakeSocket handshake;
    private final ServerCounters counters;
    private final WorkerSessions sessions;
    private final ServerRounds rounds;
    private final WorkerMessageAdapter inbound;
    private final SingleFrameHandler frames;
    private long nextExpiryMs;

    ServerAgent(ServerContext context, long incarnation, SessionSubscriptions ingress, HandshakeSocket handshake,
                Aeron aeron, RoundStateStore store, RoundStateStore.SavedState saved, ServerCounters counters) {
        this.ingress = ingress;
        this.handshake = handshake;
        this.counters = counters;
        long jobId = JobIds.of(context.jobName());
        int workers = context.rounds().expectedWorkers();
        MessageAuthenticator sendAuthenticator = new MessageAuthenticator(context.secret());
        this.sessions = new WorkerSessions(workers, ingress, (endpoint, stream) -> new Outbox(aeron, endpoint, stream,
                Channels.TO_WORKERS_STREAM, context.mtuBytes(), context.termLength(), sendAuthenticator, jobId,
                incarnation));
        ServerOutbound outbound = new ServerOutbound(sessions, handshake, sendAuthenticator, jobId, incarnation,
                workers, context.mtuBytes(), counters);
        this.rounds = new ServerRounds(context, incarnation, store, saved, sessions, outbound, counters);
        JoinHandshake joins = new JoinHandshake(context, sessions, rounds, outbound, counters);
        this.inbound = new WorkerMessageAdapter(context, jobId, incarnation, sessions, joins, rounds, counters);
        this.frames = new SingleFrameHandler(inbound, () -> counters.refused(Refusal.FRAGMENTED));
    }

    @Override
    public String roleName() {
        return "averon-parameter-server";
    }

    @Override
    public int doWork() {
        int work = handshake.poll(inbound, FRAGMENT_LIMIT) + ingress.poll(frames, FRAGMENT_LIMIT)
                + sessions.drain(FRAGMENT_LIMIT);
        long now = nowMs();
        if (now >= nextExpiryMs) {
            sessions.expire(now);
            nextExpiryMs = now + 1000;
        }
        counters.destinations.set(sessions.streams());
        counters.sendBackPressured.set(sessions.backPressured());
        counters.admittedSessions.set(ingress.count());
        counters.handshakeBytesIn.set(handshake.bytesReceived());
        counters.handshakeBytesOut.set(handshake.bytesSent());
        return work + rounds.poll(nowMs());
    }

    @Override
    public void onClose() {
        sessions.closeAll();
        CloseHelper.quietCloseAll(ingress, handshake);
    }

    /** The server's clock (the coordinator's, the sessions'): steady (never jumps with the wall clock), in ms. */
    static long nowMs() {
        return System.nanoTime() / 1_000_000;
    }
}
