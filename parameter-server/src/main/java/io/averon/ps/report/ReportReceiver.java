package io.averon.ps.report;

import io.aeron.logbuffer.Header;
import io.averon.ps.JobIds;
import io.averon.ps.protocol.ChunkAssembler;
import io.averon.ps.protocol.MessageAuthenticator;
import io.averon.ps.protocol.MessageHeader;
import io.averon.ps.protocol.MessageType;
import io.averon.ps.protocol.MessageValidator;
import io.averon.ps.protocol.Payloads;
import io.averon.ps.protocol.Refusal;
import io.averon.ps.protocol.ReplayWindow;
import io.averon.ps.transport.Channels;
import io.averon.ps.transport.EmbeddedMediaDriver;
import io.averon.ps.transport.HandshakeSocket;
import io.averon.ps.transport.SessionSubscriptions;
import io.averon.ps.transport.Ports;
import io.averon.ps.transport.SingleFrameHandler;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The driver's end of the report channel: binds {@code bindHost:port} (UDP) on its own embedded
 * media driver and the handshake port {@code port + 1}; like the parameter server, it reads only
 * the Aeron session of a worker whose HELLO (of this run, fresh) it answered, checks every message
 * (one frame, size, MAC, job, run, replay) and hands out complete reports. Only authenticated chunks are assembled, into
 * buffers of at most the model's size per worker. Used from one thread.
 */
public final class ReportReceiver implements AutoCloseable {

    private final EmbeddedMediaDriver driver;
    private final SessionSubscriptions subscriptions;
    private final HandshakeSocket handshake;
    private final MessageAuthenticator answerAuthenticator;
    private final UnsafeBuffer answer = new UnsafeBuffer(java.nio.ByteBuffer.allocateDirect(HandshakeSocket.MAX_DATAGRAM));
    private final byte[] nonce = new byte[MessageValidator.CHALLENGE_PAYLOAD];
    /** The Aeron session each worker's latest fresh HELLO admitted; 0 = none. */
    private final int[] admitted;
    private final long jobId;
    private long sequence;
    private final MessageValidator validator;
    private final ReplayWindow replay = new ReplayWindow(MessageHeader.MAX_WORKER_ID);
    private final ChunkAssembler[] assemblers;
    private final ChunkAssembler[] texts;
    private final float[][] vectors;
    private final byte[][] textBuffers;
    private final int maxVectorLength;
    private final long runId;
    private final ArrayDeque<Report> ready = new ArrayDeque<>();
    private final Map<Refusal, Long> refused = new EnumMap<>(Refusal.class);
    private final SingleFrameHandler frames = new SingleFrameHandler(this::onMessage,
            () -> refused.merge(Refusal.FRAGMENTED, 1L, Long::sum));
    private final IdleStrategy idle = new BackoffIdleStrategy();
    private final int port;

    /**
     * @param runId           the training run: reports of other runs are refused
     * @param workers         the workers that report (ids 0 .. workers - 1)
     * @param maxVectorLength the most floats a REPORT_VECTOR may carry (the model's vector length)
     * @param mtuBytes        the workers' MTU (their chunk size follows from it)
     */
    public ReportReceiver(String bindHost, int port, String jobName, byte[] secret, long runId, int workers,
                          int maxVectorLength, int mtuBytes) {
        if (maxVectorLength < 1 || workers < 1) {
            throw new IllegalArgumentException("maxVectorLength and workers must be >= 1, got " + maxVectorLength
                    + " and " + workers);
        }
        this.port = port;
        this.runId = runId;
        this.maxVectorLength = maxVectorLength;
        this.assemblers = new ChunkAssembler[workers];
        this.texts = new ChunkAssembler[workers];
        this.vectors = new float[workers][];
        this.textBuffers = new byte[workers][];
        this.admitted = new int[workers];
        this.jobId = JobIds.of(jobName);
        this.answerAuthenticator = new MessageAuthenticator(secret);
        this.validator = new MessageValidator(new MessageAuthenticator(secret), JobIds.of(jobName),
                (long) maxVectorLength * Float.BYTES, Ports.chunkBytes(mtuBytes), workers, true);
        this.driver = EmbeddedMediaDriver.launch("reports");
        SessionSubscriptions sessions = null;
        try {
            sessions = new SessionSubscriptions(driver.aeron(), bindHost, port, Channels.REPORT_STREAM,
                    Ports.receiverWindowBytes(Ports.smallestTermLength(mtuBytes), mtuBytes)); // any worker's term
            this.handshake = HandshakeSocket.bind(bindHost, port + 1);
            this.subscriptions = sessions;
        } catch (RuntimeException e) {
            CloseHelper.quietClose(sessions);
            driver.close();
            throw e;
        }
    }

    public int port() {
        return port;
    }

    /** The next complete report, waiting at most {@code timeoutMs}; null if none arrived in time. */
    public Report poll(long timeoutMs) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        idle.reset();
        while (ready.isEmpty()) {
            if (handshake.poll(this::onHello, 16) + subscriptions.poll(frames, 64) == 0) {
                if (System.nanoTime() > deadline) {
                    return null;
                }
                idle.idle();
            } else {
                idle.reset();
            }
        }
        return ready.poll();
    }

    /** Messages dropped, by reason. */
    public Map<Refusal, Long> refusedCounts() {
        return new EnumMap<>(refused);
    }

    @Override
    public void close() {
        CloseHelper.quietCloseAll(subscriptions, handshake);
        driver.close();
    }

    /**
     * A worker's HELLO (PROTOCOL.md, "The report channel"): if it is of this run and fresh, the
     * worker's Aeron session is admitted (replacing its previous one) and a CHALLENGE answers it.
     */
    private void onHello(UnsafeBuffer b, int length, java.net.SocketAddress source) {
        Refusal r = validator.validate(b, 0, length);
        if (r == null && MessageHeader.type(b, 0) != MessageType.HELLO) {
            r = Refusal.BAD_TYPE;
        }
        if (r == null && MessageHeader.incarnation(b, 0) != runId) {
            r = Refusal.WRONG_INCARNATION;
        }
        int worker = r == null ? MessageHeader.workerId(b, 0) : 0;
        if (r == null && !replay.accept(worker, MessageHeader.attempt(b, 0), MessageHeader.sequence(b, 0))) {
            r = Refusal.REPLAY;
        }
        if (r != null) {
            refused.merge(r, 1L, Long::sum);
            return;
        }
        int aeronSession = Payloads.Hello.aeronSession(b, 0);
        if (admitted[worker] != aeronSession) {
            if (admitted[worker] != 0) {
                subscriptions.release(admitted[worker]);
            }
            subscriptions.retain(aeronSession);
            admitted[worker] = aeronSession;
        }
        int answerLength = MessageHeader.writeSigned(answer, answerAuthenticator, MessageType.CHALLENGE, 0, jobId, runId,
                0, worker, 0, MessageHeader.session(b, 0), ++sequence, nonce, nonce.length);
        handshake.send(answer, answerLength, source);
    }

    private void onMessage(DirectBuffer b, int offset, int length, Header header) {
        Refusal r = validator.validate(b, offset, length);
        MessageType type = r == null ? MessageHeader.type(b, offset) : null;
        if (r == null && type != MessageType.REPORT && type != MessageType.REPORT_VECTOR) {
            r = Refusal.BAD_TYPE;
        }
        if (r == null && MessageHeader.incarnation(b, offset) != runId) {
            r = Refusal.WRONG_INCARNATION; // another training run's report
        }
        int worker = r == null ? MessageHeader.workerId(b, offset) : 0;
        int attempt = r == null ? MessageHeader.attempt(b, offset) : 0;
        if (r == null && !replay.accept(worker, attempt, MessageHeader.sequence(b, offset))) {
            r = Refusal.REPLAY;
        }
        if (r != null) {
            refused.merge(r, 1L, Long::sum);
            return;
        }
        long round = MessageHeader.round(b, offset);
        if (type == MessageType.REPORT) {
            if (texts[worker] == null) {
                textBuffers[worker] = new byte[MessageValidator.MAX_REPORT];
                texts[worker] = new ChunkAssembler(textBuffers[worker]);
            }
            if (texts[worker].onChunk(b, offset) == ChunkAssembler.Outcome.COMPLETE) {
                int textLength = (int) texts[worker].totalLength();
                ready.add(new Report(worker, attempt, round, new String(textBuffers[worker], 0, textLength,
                        StandardCharsets.UTF_8), null));
                texts[worker].clear();
            }
            return;
        }
        if (assemblers[worker] == null) {
            vectors[worker] = new float[maxVectorLength];
            assemblers[worker] = new ChunkAssembler(vectors[worker]);
        }
        if (assemblers[worker].onChunk(b, offset) == ChunkAssembler.Outcome.COMPLETE) {
            int count = (int) (assemblers[worker].totalLength() / Float.BYTES);
            ready.add(new Report(worker, attempt, round, null, Arrays.copyOf(vectors[worker], count)));
            assemblers[worker].clear();
        }
    }
}
