package io.averon.ps;

import io.aeron.Aeron;
import io.aeron.Publication;
import io.averon.ps.protocol.MessageAuthenticator;
import io.averon.ps.protocol.Refusal;
import io.averon.ps.transport.Channels;
import io.averon.ps.transport.EmbeddedMediaDriver;
import io.averon.ps.transport.HandshakeSocket;
import io.averon.ps.transport.MessageSender;
import io.averon.ps.transport.Ports;
import io.averon.ps.transport.SessionSubscriptions;
import org.agrona.CloseHelper;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A worker's connection to the parameter server: {@link #join} (HELLO, CHALLENGE, JOIN, JOIN_ACK:
 * PROTOCOL.md, "Joining"), then per round
 * {@link #pushAndAwait} (send this worker's parameters, wait for the averaged ones), then
 * {@link #close} (LEAVE). A background thread heartbeats every interval while joined.
 *
 * <p>This class owns the Aeron resources and the public API; the work is its parts': joining
 * ({@link WorkerJoin}), sending ({@link WorkerSender}), reading the server's stream
 * ({@link ServerStream}, {@link ServerAnswers}) and heartbeating ({@link HeartbeatThread}), around
 * the current {@link JoinSession}.
 *
 * <p>Calls other than {@code close} must come from one thread. Every wait has a deadline.
 */
public final class ParameterServerClient implements RoundClient {

    private final ClientContext context;
    private final String serverName;
    private final EmbeddedMediaDriver driver;
    private final Aeron aeron;
    private final boolean ownsAeron;
    private final Publication publication;
    /** The server's stream, read only from the session of the server's publication (its CHALLENGE names it). */
    private final SessionSubscriptions ingress;
    private final HandshakeSocket handshake;
    private final JoinSession join = new JoinSession();
    private final WorkerSender sender;
    private final ServerAnswers answers;
    private final ServerStream stream;
    private final WorkerJoin joining;
    private final HeartbeatThread heartbeat;
    private int lastPollWork;

    private ParameterServerClient(ClientContext context, Aeron shared) {
        this.context = context;
        this.ownsAeron = shared == null;
        this.serverName = "parameter server at " + context.serverHost() + ":" + context.serverPort();
        EmbeddedMediaDriver embedded = null;
        Aeron client = null;
        try {
            if (shared != null) {
                client = shared;
            } else if (context.aeronDirectory() == null) {
                embedded = EmbeddedMediaDriver.launch("worker-" + context.workerId());
                client = embedded.aeron();
            } else {
                client = Aeron.connect(EmbeddedMediaDriver.clientContext(context.aeronDirectory()));
            }
            this.driver = embedded;
            this.aeron = client;
            this.publication = aeron.addExclusivePublication(
                    Channels.workerPublication(context.serverHost(), context.serverPort(), context.mtuBytes(),
                            context.termLength()), Channels.TO_SERVER_STREAM);
            this.ingress = new SessionSubscriptions(aeron, context.localHost(), 0, Channels.TO_WORKERS_STREAM,
                    Ports.receiverWindowBytes(context.termLength(), context.mtuBytes()));
            this.handshake = HandshakeSocket.bind(context.localHost(), 0, context.mtuBytes());
        } catch (RuntimeException e) {
            if (embedded != null) {
                embedded.close();
            } else if (shared == null) {
                CloseHelper.quietClose(client);
            }
            throw e;
        }
        long jobId = JobIds.of(context.jobName());
        this.sender = new WorkerSender(new MessageSender(publication, new MessageAuthenticator(context.secret()),
                serverName), context, jobId, join);
        this.answers = new ServerAnswers(join, context.workerId(), context.vectorLength(), serverName);
        this.stream = new ServerStream(context, jobId, ingress, sender, join, answers, serverName);
        this.joining = new WorkerJoin(context, jobId, serverName, handshake, join, sender, stream, answers);
        this.heartbeat = new HeartbeatThread(sender, join, context.heartbeatIntervalMs(), context.workerId(), serverName);
    }

    /** Connects (nothing is sent until {@link #join}). */
    public static ParameterServerClient connect(ClientContext context) {
        return new ParameterServerClient(context, null);
    }

    /**
     * Connects through {@code aeron}, an Aeron client the caller owns and closes after this client
     * (several connections of one worker share one; {@link ClientContext#aeronDirectory()} is then unused).
     */
    public static ParameterServerClient connect(ClientContext context, Aeron aeron) {
        return new ParameterServerClient(context, aeron);
    }

    /**
     * Registers this worker (model fingerprint included) and starts heartbeating.
     *
     * @return the server's last closed round: this worker's first push is for that round + 1
     */
    public long join() {
        return join(false).round();
    }

    /**
     * As {@link #join()}; with {@code fetchGlobal} the server also sends the last closed round's
     * global vector (parameters, and updater state if it was averaged), so a relaunched worker
     * resumes from it. {@code global} is null when no round has closed yet.
     */
    @Override
    public Joined join(boolean fetchGlobal) {
        Joined joined = joining.join(fetchGlobal, publication.sessionId(), localEndpoint());
        heartbeat.start();
        return joined;
    }

    /** This worker's receive endpoint ({@code host:port}, the host as configured: what the server can reach). */
    String localEndpoint() {
        return context.localHost() + ":" + ingress.port();
    }

    /** The Aeron client of this connection (e.g. for a worker's report publication to its driver). */
    @Override
    public Aeron aeron() {
        return aeron;
    }

    /**
     * Sends {@code values[0 .. count)} for {@code round} and returns at once; {@link #awaitAveraged}
     * collects the result, whenever the caller next has time (e.g. after training on while the
     * round closes). Nothing the server sends meanwhile is lost, however long that takes.
     *
     * @param count       the parameter count, or parameters + updater state
     * @param sampleCount training examples behind this contribution (the averaging weight)
     * @param deadlineNs  when to give up sending ({@link System#nanoTime()} based)
     */
    @Override
    public void push(long round, float[] values, int count, long sampleCount, boolean delta, long deadlineNs) {
        if (!join.isJoined()) {
            throw new IllegalStateException("join() first");
        }
        if (count != context.parameterCount() && count != context.vectorLength()) {
            throw new IllegalArgumentException("count must be the parameter count " + context.parameterCount()
                    + " or parameters + updater state " + context.vectorLength() + ", got " + count);
        }
        heartbeat.throwIfFailed();
        answers.await(round);
        joining.rearmRequest();
        sender.push(round, values, count, sampleCount, delta, deadlineNs);
    }

    /**
     * Waits for the averaged result of the round last {@link #push}ed, until {@code deadlineNs}. If
     * the server's stream lost messages (a gap in its sequence numbers: the stream was rebuilt
     * after a long silence), the worker asks again, repeating its JOIN for the last closed round's
     * global vector, until the round's result arrives.
     */
    @Override
    public Averaged awaitAveraged(long round, long deadlineNs) {
        while (true) {
            Averaged result = pollAveraged(round, deadlineNs);
            if (result != null) {
                return result;
            }
            stream.idle(lastPollWork);
        }
    }

    /**
     * One step of {@link #awaitAveraged}, for a caller that waits on several connections at once:
     * reads what has arrived and returns the round's result once complete, else null (the caller
     * idles). Throws as {@code awaitAveraged} does: a refusal, the deadline, a lost connection.
     */
    public Averaged pollAveraged(long round, long deadlineNs) {
        if (round != answers.awaitedRound()) {
            throw new IllegalStateException("round " + round + " was not pushed (the last push was for round "
                    + answers.awaitedRound() + ")");
        }
        if (!answers.averagedComplete()) {
            answers.throwIfRefused("round " + round);
            if (stream.hasGap()) {
                joining.requestGlobalIfDue(deadlineNs);
            }
            lastPollWork = stream.poll(Long.MAX_VALUE, "averaged parameters for round " + round);
            if (lastPollWork == 0 && !answers.averagedComplete() && System.nanoTime() > deadlineNs) {
                // the server is connected (else poll threw): the round did not close in time, or
                // its result could not reach this worker
                throw new RoundFailedException("worker " + context.workerId() + " did not receive the result of round "
                        + round + " from " + serverName + " within its wait (" + answers.receivedChunks()
                        + " of its chunks arrived); the server is connected: a worker that never pushed, or a stalled "
                        + "path from the server to this worker's endpoint " + localEndpoint());
            }
        }
        return answers.averagedComplete() ? answers.averaged(round) : null;
    }

    /** This join's session id (for tests that act as this worker). */
    long session() {
        return join.id();
    }

    /** Gaps seen in the server's stream (messages lost when it was rebuilt), since connecting. */
    public long streamGaps() {
        return stream.gaps();
    }

    /** Messages from the server dropped by this client, by reason. */
    public Map<Refusal, Long> refusedCounts() {
        return stream.refusedCounts();
    }

    /**
     * Makes every wait of this client give up (with a {@link ParameterServerException}) as soon as
     * {@code cancelled} says so, e.g. when Spark kills the task. A thread interrupt does the same.
     */
    @Override
    public void cancelWhen(BooleanSupplier cancelled) {
        stream.cancelWhen(cancelled);
    }

    /**
     * Sends LEAVE (best effort), stops heartbeating and releases Aeron resources. A heartbeat that
     * found the server gone (not connected, closed) is reported by the next {@link #pushAndAwait}.
     */
    @Override
    public void close() {
        try {
            heartbeat.stop();
            if (join.isJoined() && publication.isConnected()) {
                sender.leave(System.nanoTime() + TimeUnit.SECONDS.toNanos(1));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // leaving is a courtesy: the server also notices the missing heartbeats
        } finally {
            join.left();
            handshake.close();
            ingress.close();
            if (driver != null) {
                driver.close();
            } else if (ownsAeron) {
                CloseHelper.quietClose(aeron);
            } else {
                CloseHelper.quietCloseAll(publication); // the shared Aeron client stays open for its owner
            }
        }
    }
}
