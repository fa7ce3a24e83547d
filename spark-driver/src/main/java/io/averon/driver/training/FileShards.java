package io.averon.driver.training;

import io.averon.core.AveronException;
import io.averon.core.data.DataSources;
import io.averon.core.data.DataSpec;
import io.averon.core.data.TrainTestData;

import java.util.Iterator;

/**
 * Shards read from a data source every executor can read: each task reads and splits the whole
 * set (with the run's seed, so all agree) and keeps its ranges; nothing goes through the driver.
 */
record FileShards(DataSpec spec) implements ShardSource<Integer> {

    @Override
    public Shard load(Iterator<Integer> ignored, int worker, ShardPlan shards, long seed) {
        TrainTestData data = DataSources.loadForTraining(spec, seed);
        if (data.train().size() != shards.trainSize() || data.test().size() != shards.testSize()) {
            throw new AveronException("worker " + worker + " read " + data.train().size() + " training / "
                    + data.test().size() + " test examples from " + spec.source() + ", the driver planned "
                    + shards.trainSize() + " / " + shards.testSize() + ": does every executor see the same data?");
        }
        return new Shard(data.train().select(shards.trainIndices(worker), data.train().name() + " shard " + worker),
                data.test().select(shards.testIndices(worker), data.test().name() + " shard " + worker));
    }

    @Override
    public String describe() {
        return spec.source();
    }
}
