package io.averon.ps.report;

import io.aeron.FragmentAssembler;
import io.aeron.Subscription;
import io.aeron.logbuffer.Header;
import io.averon.ps.JobIds;
import io.averon.ps.protocol.ChunkAssembler;
import io.averon.ps.protocol.MessageAuthenticator;
import io.averon.ps.protocol.MessageHeader;
import io.averon.ps.protocol.MessageType;
import io.averon.ps.protocol.MessageValidator;
import io.averon.ps.protocol.Refusal;
import io.averon.ps.protocol.ReplayWindow;
import io.averon.ps.transport.Channels;
import io.averon.ps.transport.EmbeddedMediaDriver;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The driver's end of the report channel: binds {@code bindHost:port} (UDP) on its own embedded
 * media driver, checks every message like the parameter server does (size, MAC, job, replay) and
 * hands out complete reports. Used from one thread.
 */
public final class ReportReceiver implements AutoCloseable {

    private final EmbeddedMediaDriver driver;
    private final Subscription subscription;
    private final MessageValidator validator;
    private final ReplayWindow replay = new ReplayWindow(MessageHeader.MAX_WORKER_ID);
    private final FragmentAssembler fragments = new FragmentAssembler(this::onMessage);
    private final ChunkAssembler[] assemblers = new ChunkAssembler[MessageHeader.MAX_WORKER_ID + 1];
    private final float[][] vectors = new float[MessageHeader.MAX_WORKER_ID + 1][];
    private final int maxVectorLength;
    private final ArrayDeque<Report> ready = new ArrayDeque<>();
    private final Map<Refusal, Long> refused = new EnumMap<>(Refusal.class);
    private final IdleStrategy idle = new BackoffIdleStrategy();
    private final int port;

    /**
     * @param maxVectorLength the most floats a REPORT_VECTOR may carry (the model's vector length)
     */
    public ReportReceiver(String bindHost, int port, String jobName, byte[] secret, int maxVectorLength) {
        if (maxVectorLength < 1) {
            throw new IllegalArgumentException("maxVectorLength must be >= 1, got " + maxVectorLength);
        }
        this.port = port;
        this.maxVectorLength = maxVectorLength;
        this.validator = new MessageValidator(new MessageAuthenticator(secret), JobIds.of(jobName),
                (long) maxVectorLength * Float.BYTES, true);
        this.driver = EmbeddedMediaDriver.launch("reports");
        try {
            this.subscription = driver.aeron().addSubscription(Channels.serverSubscription(bindHost, port),
                    Channels.REPORT_STREAM);
        } catch (RuntimeException e) {
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
            if (subscription.poll(fragments, 64) == 0) {
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
        CloseHelper.quietClose(subscription);
        driver.close();
    }

    private void onMessage(DirectBuffer b, int offset, int length, Header header) {
        Refusal r = validator.validate(b, offset, length);
        MessageType type = r == null ? MessageHeader.type(b, offset) : null;
        if (r == null && type != MessageType.REPORT && type != MessageType.REPORT_VECTOR) {
            r = Refusal.BAD_TYPE;
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
            byte[] text = new byte[MessageHeader.payloadLength(b, offset)];
            b.getBytes(offset + MessageHeader.LENGTH, text);
            ready.add(new Report(worker, attempt, round, new String(text, StandardCharsets.UTF_8), null));
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
