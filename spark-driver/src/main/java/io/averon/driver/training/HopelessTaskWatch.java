package io.averon.driver.training;

import io.averon.ps.MtuMismatchException;
import io.averon.ps.ParameterServerUnreachableException;
import org.apache.spark.ExceptionFailure;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

import java.util.concurrent.atomic.AtomicReference;

/**
 * Hears of the first training task that failed in a way relaunching the stage cannot mend: the
 * parameter server (or, with sharded averaging, another worker's shard) could not be reached, or
 * frames of the configured MTU do not get through to it. Spark would relaunch the stage a few
 * times before giving up; the driver stops training at the first such failure instead.
 */
final class HopelessTaskWatch extends SparkListener {

    /** Why the task failed. */
    enum Cause { UNREACHABLE, MTU_MISMATCH }

    /** A failed task: why, where it ran, and its exception's message. */
    record Failure(Cause cause, String where, String description) {
    }

    private final AtomicReference<Failure> failure = new AtomicReference<>();

    @Override
    public void onTaskEnd(SparkListenerTaskEnd end) {
        if (end.reason() instanceof ExceptionFailure f) {
            String error = f.toErrorString();
            Cause cause = error.contains(MtuMismatchException.class.getSimpleName()) ? Cause.MTU_MISMATCH
                    : error.contains(ParameterServerUnreachableException.class.getSimpleName()) ? Cause.UNREACHABLE
                    : null;
            if (cause != null) {
                failure.compareAndSet(null, new Failure(cause, "executor " + end.taskInfo().executorId() + " on "
                        + end.taskInfo().host(), f.description()));
            }
        }
    }

    /** The first hopeless failure, or null while there is none. */
    Failure failure() {
        return failure.get();
    }
}
