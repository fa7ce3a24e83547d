package io.averon.driver.scoring;

import io.averon.core.runtime.NativeSettings;
import io.averon.driver.spark.ExecutorRuntime;
import org.apache.spark.TaskContext;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Scores one partition in minibatches, in the executor, rows out in the order they came in: the
 * loop {@link BatchScorer} and the Spark ML models ({@code io.averon.driver.ml}) share. The caller
 * says how to read a record's features into the batch, what to keep of it, and how to build an
 * output row from what was kept and the model's output (null when the record could not be scored).
 */
public final class MinibatchScoring {

    /**
     * How one kind of record is scored.
     *
     * @param <I> input record
     * @param <K> what the output keeps of a record (copied out at once: inputs may be reused)
     * @param <O> output row
     */
    public interface Records<I, K, O> {
        /** What the output keeps of {@code record}. */
        K keep(I record);

        /** Adds the record's features to {@code batch}, or returns why it cannot be scored. */
        String read(I record, FeatureBatch batch);

        /** The output row: {@code scores} is the model's output, null when {@code error} is set. */
        O output(K kept, String error, float[] scores);
    }

    private MinibatchScoring() {
    }

    /**
     * The batch a scoring task fills, one per task and reused for each of its minibatches, with this
     * executor's native runtime set for the task's cores.
     */
    static FeatureBatch batchFor(ShippedModel model, int batchSize) {
        TaskContext task = TaskContext.get();
        ExecutorRuntime.configure(new NativeSettings(task != null ? Math.max(1, task.cpus()) : 1,
                model.convolutional()));
        return new FeatureBatch(model.shape(), batchSize);
    }

    /** The scored rows of {@code input}, a minibatch of {@code batchSize} records at a time (lazily). */
    public static <I, K, O> Iterator<O> score(ShippedModel model, int batchSize, Iterator<I> input,
                                              Records<I, K, O> records) {
        FeatureBatch batch = batchFor(model, batchSize);
        return new Iterator<>() {
            private final ArrayDeque<O> ready = new ArrayDeque<>();

            @Override
            public boolean hasNext() {
                if (ready.isEmpty() && input.hasNext()) {
                    scoreNextBatch();
                }
                return !ready.isEmpty();
            }

            @Override
            public O next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return ready.poll();
            }

            private void scoreNextBatch() {
                List<K> kept = new ArrayList<>(batchSize);
                List<String> errors = new ArrayList<>(batchSize);
                while (kept.size() < batchSize && input.hasNext()) {
                    I record = input.next();
                    errors.add(records.read(record, batch));
                    kept.add(records.keep(record));
                }
                float[][] outputs = batch.forward(model);
                for (int i = 0, k = 0; i < kept.size(); i++) {
                    String error = errors.get(i);
                    ready.add(records.output(kept.get(i), error, error == null ? outputs[k++] : null));
                }
            }
        };
    }
}
