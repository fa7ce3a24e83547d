package io.averon.ps;

import io.aeron.Aeron;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A worker's side of synchronous averaging rounds, whoever averages: the parameter server
 * ({@link ParameterServerClient}) or the workers themselves, each owning a range
 * ({@link io.averon.ps.shard.ShardedClient}). {@link #join} once, then per round {@link #push}
 * and {@link #awaitAveraged} (with training in between if the caller likes), then {@link #close}.
 * Calls other than {@code close} come from one thread; every wait has a deadline.
 */
public interface RoundClient extends AutoCloseable {

    /** The averaged values of one round: {@code values[0 .. count)}; the array is reused by the next round. */
    record Averaged(long round, float[] values, int count) {
    }

    /** What {@link #join(boolean)} learned: the last closed round, and its global vector if asked for and one exists. */
    record Joined(long round, Averaged global) {
    }

    /**
     * Joins the rounds; with {@code fetchGlobal} the last closed round's global vector comes too
     * (null when no round has closed yet), so a relaunched worker resumes from it.
     *
     * @return the last closed round: this worker's first push is for that round + 1
     */
    Joined join(boolean fetchGlobal);

    /**
     * Sends {@code values[0 .. count)} (parameters, or parameters and updater state; with
     * {@code delta}, their change since the last averaged vector) for {@code round}, weighted by
     * {@code sampleCount}, and returns without waiting for the result.
     */
    void push(long round, float[] values, int count, long sampleCount, boolean delta, long deadlineNs);

    /** Waits until {@code deadlineNs} for the result of the round last pushed. */
    Averaged awaitAveraged(long round, long deadlineNs);

    /** {@link #push} (full values) then {@link #awaitAveraged}, within {@code timeoutMs}. */
    default Averaged pushAndAwait(long round, float[] values, int count, long sampleCount, long timeoutMs) {
        return pushAndAwait(round, values, count, sampleCount, false, timeoutMs);
    }

    /** {@link #push} then {@link #awaitAveraged}, within {@code timeoutMs}. */
    default Averaged pushAndAwait(long round, float[] values, int count, long sampleCount, boolean delta,
                                  long timeoutMs) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        push(round, values, count, sampleCount, delta, deadline);
        return awaitAveraged(round, deadline);
    }

    /** Makes every wait give up as soon as {@code cancelled} says so (e.g. Spark killed the task). */
    void cancelWhen(BooleanSupplier cancelled);

    /** The Aeron client of this worker (e.g. for its report publication to the driver). */
    Aeron aeron();

    /** Leaves (best effort) and releases every resource. */
    @Override
    void close();
}
