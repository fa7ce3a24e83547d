package io.averon.driver.training;

import io.averon.core.data.ArrayDataSet;

import java.io.Serializable;
import java.util.Iterator;

/**
 * Where a training task gets its shard: read from files by every executor ({@link FileShards}),
 * or from the records Spark routed to the task's partition ({@link RecordShards}).
 *
 * @param <T> the element type of the barrier stage's input partitions
 */
interface ShardSource<T> extends Serializable {

    /** A worker's training shard and its part of the test split. */
    record Shard(ArrayDataSet train, ArrayDataSet test) {
    }

    /** Builds {@code worker}'s shard; {@code partition} is the task's input partition. */
    Shard load(Iterator<T> partition, int worker, ShardPlan plan, long seed);

    /** Where the data comes from, for messages. */
    String describe();
}
