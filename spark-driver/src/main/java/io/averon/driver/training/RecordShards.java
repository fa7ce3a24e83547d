package io.averon.driver.training;

import io.averon.core.AveronException;
import io.averon.core.data.ArrayDataSet;
import io.averon.core.data.Labels;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;

/**
 * Shards built from the examples Spark routed to the task's partition ({@link RecordSharding}):
 * put back in index order, so a worker's shard is the same on every run and relaunch.
 */
record RecordShards(List<String> classNames, int[] exampleShape, String name) implements ShardSource<IndexedExample> {

    @Override
    public Shard load(Iterator<IndexedExample> partition, int worker, ShardPlan plan, long seed) {
        List<IndexedExample> train = new ArrayList<>();
        List<IndexedExample> test = new ArrayList<>();
        while (partition.hasNext()) {
            IndexedExample e = partition.next();
            (e.test() ? test : train).add(e);
        }
        int expectedTrain = plan.trainIndices(worker).length;
        int expectedTest = plan.testIndices(worker).length;
        if (train.size() != expectedTrain || test.size() != expectedTest) {
            throw new AveronException("worker " + worker + " received " + train.size() + " training / " + test.size()
                    + " test examples of " + name + ", the driver planned " + expectedTrain + " / " + expectedTest
                    + ": is the input RDD deterministic (same elements, same order, when recomputed)?");
        }
        return new Shard(dataSet(train, name + " shard " + worker), dataSet(test, name + " test shard " + worker));
    }

    private ArrayDataSet dataSet(List<IndexedExample> examples, String setName) {
        examples.sort(Comparator.comparingInt(IndexedExample::index));
        int width = 1;
        for (int d : exampleShape) {
            width *= d;
        }
        float[] features = new float[examples.size() * width];
        int[] classes = new int[examples.size()];
        float[] targets = new float[examples.size()];
        for (int i = 0; i < examples.size(); i++) {
            IndexedExample e = examples.get(i);
            System.arraycopy(e.features(), 0, features, i * width, width);
            classes[i] = e.label();
            targets[i] = e.target();
        }
        Labels labels = classNames.isEmpty() ? new Labels.Targets(targets) : new Labels.Classes(classes, classNames);
        return new ArrayDataSet(setName, exampleShape, features, labels);
    }

    @Override
    public String describe() {
        return name;
    }
}
