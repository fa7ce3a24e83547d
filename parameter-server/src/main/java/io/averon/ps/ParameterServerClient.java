package io.averon.ps;

import io.aeron.Aeron;
import io.aeron.FragmentAssembler;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.logbuffer.Header;
import io.averon.ps.protocol.ChunkAssembler;
import io.averon.ps.protocol.MessageAuthenticator;
import io.averon.ps.protocol.MessageHeader;
import io.averon.ps.protocol.MessageType;
import io.averon.ps.protocol.MessageValidator;
import io.averon.ps.protocol.Refusal;
import io.averon.ps.transport.Channels;
import io.averon.ps.transport.EmbeddedMediaDriver;
import io.averon.ps.transport.MessageSender;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A worker's connection to the parameter server: {@link #join}, then per round
 * {@link #pushAndAwait} (send this worker's parameters, wait for the averaged ones), then
 * {@link #close} (LEAVE). A background thread heartbeats every interval while joined.
 *
 * <p>Calls other than {@code close} must come from one thread. Every wait has a deadline.
 */
public final class ParameterServerClient implements AutoCloseable {

    private final ClientContext context;
    private final long jobId;
    private final String serverName;
    private final EmbeddedMediaDriver driver;
    private final Aeron aeron;
    private final Publication publication;
    private final Subscription subscription;
    private final MessageSender sender;
    private final MessageValidator validator;
    private final FragmentAssembler fragments;
    private final float[] averaged;
    private final ChunkAssembler averagedChunks;
    private final IdleStrategy idle = new BackoffIdleStrategy();
    private final Map<Refusal, Long> refusedCounts = new EnumMap<>(Refusal.class);
    private final Thread heartbeat;

    private volatile boolean joined;
    private volatile boolean closing;
    private volatile RuntimeException heartbeatFailure;
    private long incarnation;
    private long lastServerSequence;
    private long awaitedRound = -1;
    private long ackRound = -1;
    private String refusal;
    private boolean averagedComplete;
    private boolean globalFollows;
    private volatile java.util.function.BooleanSupplier cancelled = () -> false;

    private ParameterServerClient(ClientContext context) {
        this.context = context;
        this.jobId = JobIds.of(context.jobName());
        this.serverName = "parameter server at " + context.serverHost() + ":" + context.serverPort();
        EmbeddedMediaDriver embedded = null;
        Aeron client = null;
        try {
            if (context.aeronDirectory() == null) {
                embedded = EmbeddedMediaDriver.launch("worker-" + context.workerId());
                client = embedded.aeron();
            } else {
                client = Aeron.connect(EmbeddedMediaDriver.clientContext(context.aeronDirectory()));
            }
            this.driver = embedded;
            this.aeron = client;
            this.publication = aeron.addExclusivePublication(
                    Channels.workerPublication(context.serverHost(), context.serverPort(), context.termLength()),
                    Channels.TO_SERVER_STREAM);
            this.subscription = aeron.addSubscription(
                    Channels.workerSubscription(context.localHost(), context.serverHost(), context.serverPort()),
                    Channels.TO_WORKERS_STREAM);
        } catch (RuntimeException e) {
            if (embedded != null) {
                embedded.close();
            } else {
                CloseHelper.quietClose(client);
            }
            throw e;
        }
        MessageAuthenticator sendAuth = new MessageAuthenticator(context.secret());
        this.sender = new MessageSender(publication, sendAuth, serverName, context.chunkBytes());
        long maxBytes = (long) context.vectorLength() * Float.BYTES;
        this.validator = new MessageValidator(new MessageAuthenticator(context.secret()), jobId, maxBytes, false);
        this.fragments = new FragmentAssembler(this::onMessage);
        this.averaged = new float[context.vectorLength()];
        this.averagedChunks = new ChunkAssembler(averaged);
        this.heartbeat = new Thread(this::heartbeatLoop, "averon-ps-heartbeat-" + context.workerId());
        this.heartbeat.setDaemon(true);
    }

    /** Connects (nothing is sent until {@link #join}). */
    public static ParameterServerClient connect(ClientContext context) {
        return new ParameterServerClient(context);
    }

    /** The averaged values of one round: {@code values[0 .. count)}; the array is reused by the next round. */
    public record Averaged(long round, float[] values, int count) {
    }

    /** What {@link #join(boolean)} learned: the last closed round, and its global vector if it was asked for and exists. */
    public record Joined(long round, Averaged global) {
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
    public Joined join(boolean fetchGlobal) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(context.connectTimeoutMs());
        sender.offer().awaitConnected(publication, deadline);
        awaitSubscriptionImage(deadline);
        ByteBuffer payload = ByteBuffer.allocate(MessageValidator.JOIN_PAYLOAD).order(ByteOrder.LITTLE_ENDIAN);
        payload.putLong(context.parameterCount()).putLong(context.updaterStateCount()).put(context.configHash());
        joined = false; // (re)joining: heartbeats pause, and the next JOIN_ACK sets the server incarnation
        ackRound = -1;
        refusal = null;
        incarnation = 0;
        lastServerSequence = 0;
        globalFollows = false;
        averagedComplete = false;
        sender.sendSmall(MessageType.JOIN, fetchGlobal ? MessageHeader.FLAG_GLOBAL : 0, jobId, 0, 0, context.workerId(),
                context.attempt(), payload.array(), payload.capacity(), deadline);
        while (ackRound < 0) {
            throwIfRefused("join");
            pollUntil(deadline, "answer to JOIN");
        }
        while (globalFollows && !averagedComplete) {
            pollUntil(deadline, "global vector of round " + ackRound);
        }
        joined = true;
        if (!heartbeat.isAlive()) {
            heartbeat.start();
        }
        Averaged global = globalFollows
                ? new Averaged(ackRound, averaged, (int) (averagedChunks.totalLength() / Float.BYTES)) : null;
        return new Joined(ackRound, global);
    }

    /** The Aeron client of this connection (e.g. for a worker's report publication to its driver). */
    public Aeron aeron() {
        return aeron;
    }

    /**
     * Sends {@code values[0 .. count)} for {@code round} and waits for the averaged result.
     *
     * @param count       the parameter count, or parameters + updater state
     * @param sampleCount training examples behind this contribution (the averaging weight)
     * @param timeoutMs   the longest wait for the round to close (at least the server's round timeout)
     */
    public Averaged pushAndAwait(long round, float[] values, int count, long sampleCount, long timeoutMs) {
        return pushAndAwait(round, values, count, sampleCount, false, timeoutMs);
    }

    /**
     * As {@link #pushAndAwait(long, float[], int, long, long)}; with {@code delta} the values are
     * the change since the round-start global (what the last {@code Averaged} returned), which the
     * server adds back before averaging. The first round needs full values.
     */
    public Averaged pushAndAwait(long round, float[] values, int count, long sampleCount, boolean delta,
                                 long timeoutMs) {
        if (!joined) {
            throw new IllegalStateException("join() first");
        }
        if (count != context.parameterCount() && count != context.vectorLength()) {
            throw new IllegalArgumentException("count must be the parameter count " + context.parameterCount()
                    + " or parameters + updater state " + context.vectorLength() + ", got " + count);
        }
        RuntimeException failed = heartbeatFailure;
        if (failed != null) {
            throw failed;
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        awaitedRound = round;
        averagedComplete = false;
        refusal = null;
        averagedChunks.clear();
        int flags = (count > context.parameterCount() ? MessageHeader.FLAG_UPDATER_STATE : 0)
                | (delta ? MessageHeader.FLAG_DELTA : 0);
        sender.sendVector(MessageType.PUSH, flags, jobId, incarnation, round, context.workerId(), context.attempt(),
                sampleCount, values, count, deadline);
        while (!averagedComplete) {
            throwIfRefused("round " + round);
            pollUntil(deadline, "averaged parameters for round " + round);
        }
        return new Averaged(round, averaged, (int) (averagedChunks.totalLength() / Float.BYTES));
    }

    /** Messages from the server dropped by this client, by reason. */
    public Map<Refusal, Long> refusedCounts() {
        return new EnumMap<>(refusedCounts);
    }

    /**
     * Sends LEAVE (best effort), stops heartbeating and releases Aeron resources. A heartbeat that
     * found the server gone (not connected, closed) is reported by the next {@link #pushAndAwait}.
     */
    @Override
    public void close() {
        closing = true;
        heartbeat.interrupt();
        try {
            if (heartbeat.isAlive()) {
                heartbeat.join(TimeUnit.SECONDS.toMillis(5));
            }
            if (joined && publication.isConnected()) {
                sender.sendSmall(MessageType.LEAVE, 0, jobId, incarnation, 0, context.workerId(), context.attempt(),
                        null, 0, System.nanoTime() + TimeUnit.SECONDS.toNanos(1));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // leaving is a courtesy: the server also notices the missing heartbeats
        } finally {
            joined = false;
            if (driver != null) {
                driver.close();
            } else {
                CloseHelper.quietClose(aeron);
            }
        }
    }

    private void heartbeatLoop() {
        while (!closing) {
            try {
                Thread.sleep(context.heartbeatIntervalMs());
                if (joined && !closing) {
                    // best effort: back-pressure means our push is streaming to the server, which
                    // counts every message as a sign of life, so a skipped heartbeat costs nothing
                    sender.trySendEmpty(MessageType.HEARTBEAT, jobId, incarnation, context.workerId(), context.attempt());
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                heartbeatFailure = e;
                return;
            }
        }
    }

    private void awaitSubscriptionImage(long deadline) {
        idle.reset();
        while (!subscription.isConnected()) {
            if (System.nanoTime() > deadline) {
                throw new ParameterServerUnreachableException(serverName + " is unreachable (nothing received from "
                        + "its control port " + (context.serverPort() + 1) + " before the deadline)");
            }
            idle.idle();
        }
    }

    /**
     * Makes every wait of this client give up (with a {@link ParameterServerException}) as soon as
     * {@code cancelled} says so, e.g. when Spark kills the task. A thread interrupt does the same.
     */
    public void cancelWhen(java.util.function.BooleanSupplier cancelled) {
        this.cancelled = cancelled;
    }

    private void pollUntil(long deadline, String what) {
        if (Thread.currentThread().isInterrupted() || cancelled.getAsBoolean()) {
            throw new ParameterServerException("cancelled while waiting for " + what + " from " + serverName);
        }
        int work = subscription.poll(fragments, 64);
        if (work == 0) {
            if (System.nanoTime() > deadline) {
                throw new ParameterServerUnreachableException("no " + what + " from " + serverName + " before the deadline");
            }
            if (!publication.isConnected()) {
                throw new ParameterServerUnreachableException(serverName + " is unreachable (not connected)");
            }
            idle.idle();
        } else {
            idle.reset();
        }
    }

    private void throwIfRefused(String what) {
        if (refusal != null) {
            String reason = refusal;
            refusal = null;
            if (reason.startsWith("round ")) {
                throw new RoundFailedException(serverName + ": " + reason);
            }
            throw new ParameterServerException(serverName + " refused " + what + ": " + reason);
        }
    }

    private void onMessage(DirectBuffer b, int offset, int length, Header header) {
        Refusal r = validator.validate(b, offset, length);
        if (r != null) {
            refusedCounts.merge(r, 1L, Long::sum);
            return;
        }
        MessageType type = MessageHeader.type(b, offset);
        int target = MessageHeader.workerId(b, offset);
        if ((type == MessageType.JOIN_ACK || type == MessageType.REFUSED) && target != context.workerId()
                && target != MessageHeader.SERVER_ID) {
            return; // addressed to another worker
        }
        long messageIncarnation = MessageHeader.incarnation(b, offset);
        boolean joining = ackRound < 0 && !joined;
        if (type == MessageType.JOIN_ACK && joining) {
            incarnation = messageIncarnation; // the server we joined: from now on only its messages count
            lastServerSequence = 0;
        } else if (joining && type == MessageType.REFUSED && target == context.workerId()) {
            lastServerSequence = 0; // the answer to our JOIN, before we know the server's incarnation
        } else if (messageIncarnation != incarnation) {
            refusedCounts.merge(Refusal.WRONG_INCARNATION, 1L, Long::sum);
            return;
        }
        long sequence = MessageHeader.sequence(b, offset);
        if (sequence <= lastServerSequence) {
            refusedCounts.merge(Refusal.REPLAY, 1L, Long::sum);
            return;
        }
        lastServerSequence = sequence;
        switch (type) {
            case JOIN_ACK -> {
                if (ackRound < 0) {
                    globalFollows = (MessageHeader.flags(b, offset) & MessageHeader.FLAG_GLOBAL) != 0;
                    if (globalFollows) { // the AVERAGED may follow in this very poll
                        averagedChunks.clear();
                        awaitedRound = b.getLong(offset + MessageHeader.LENGTH, ByteOrder.LITTLE_ENDIAN);
                    }
                    ackRound = b.getLong(offset + MessageHeader.LENGTH, ByteOrder.LITTLE_ENDIAN);
                }
            }
            case REFUSED -> {
                long round = MessageHeader.round(b, offset);
                // only a refusal of what we are waiting for counts: a refusal of another round (e.g.
                // provoked by someone replaying our old messages) must not abort the current one
                if (ackRound < 0 ? target == context.workerId() : round == awaitedRound) {
                    byte[] text = new byte[MessageHeader.payloadLength(b, offset)];
                    b.getBytes(offset + MessageHeader.LENGTH, text);
                    refusal = new String(text, StandardCharsets.UTF_8);
                }
            }
            case AVERAGED -> {
                if (MessageHeader.round(b, offset) == awaitedRound
                        && averagedChunks.onChunk(b, offset) == ChunkAssembler.Outcome.COMPLETE) {
                    averagedComplete = true;
                }
            }
            default -> refusedCounts.merge(Refusal.BAD_TYPE, 1L, Long::sum);
        }
    }
}
