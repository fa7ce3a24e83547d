package io.averon.driver.training;

import io.averon.ps.ParameterServerUnreachableException;
import org.apache.spark.ExceptionFailure;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

import java.util.concurrent.atomic.AtomicReference;

/** Hears of the first training task that failed because the parameter server could not be reached. */
final class UnreachableServerWatch extends SparkListener {

    private final AtomicReference<String> failure = new AtomicReference<>();

    @Override
    public void onTaskEnd(SparkListenerTaskEnd end) {
        if (end.reason() instanceof ExceptionFailure f
                && f.toErrorString().contains(ParameterServerUnreachableException.class.getSimpleName())) {
            failure.compareAndSet(null, "executor " + end.taskInfo().executorId() + " on " + end.taskInfo().host()
                    + " (" + f.description() + ")");
        }
    }

    /** Where and why, or null while no task failed that way. */
    String failure() {
        return failure.get();
    }
}
