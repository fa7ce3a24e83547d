package io.averon.driver.training;

import io.averon.driver.data.SparkData;
import io.averon.core.InvalidInputException;
import io.averon.core.data.ArrayDataSet;
import io.averon.core.data.Labels;
import io.averon.core.model.AveronModel;
import io.averon.core.model.ModelCheck;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Gets {@link SparkData} ready for the barrier stage: one validation job per input (counts per
 * partition, one example shape, the first bad element named by partition and position), then
 * every example keyed by its worker ({@link ShardPlan}'s contiguous ranges over the inputs'
 * order) and shuffled to that worker's partition, cached serialized.
 */
final class RecordSharding {

    /** What one input partition holds: its example count and shape, or the first problem in it. */
    record PartitionStats(long count, int[] shape, String problem) implements Serializable {
    }

    /** Examples per partition of each input and their shape. */
    record Summary(long[] trainCounts, long[] testCounts, int[] shape) {
        long trainTotal() {
            return Arrays.stream(trainCounts).sum();
        }

        long testTotal() {
            return Arrays.stream(testCounts).sum();
        }

        int trainSize() {
            return (int) trainTotal();
        }

        int testSize() {
            return (int) testTotal();
        }
    }

    private RecordSharding() {
    }

    /**
     * Checks that {@code model} takes the examples and classes {@code summary} found, before any job
     * that uses them runs.
     *
     * @param purpose what the model is for, in messages (e.g. "being trained")
     */
    static void checkFits(SparkData data, Summary summary, AveronModel model, String purpose) {
        List<String> classes = data.classNames();
        int width = Arrays.stream(summary.shape()).reduce(1, (x, y) -> x * y);
        ModelCheck.checkFits(model, new ArrayDataSet("the input", summary.shape(), new float[width], classes.isEmpty()
                ? new Labels.Targets(new float[1]) : new Labels.Classes(new int[1], classes)), purpose);
    }

    /** Validates both inputs, with every problem reported before any training job starts. */
    static Summary validate(JavaSparkContext sc, SparkData data) {
        sc.setJobGroup("averon-validate", "averon: validate the training input", true);
        try {
            List<PartitionStats> train = stats(data.train());
            List<PartitionStats> test = stats(data.test());
            int[] trainShape = shape(train, data.train().what());
            int[] testShape = shape(test, data.test().what());
            if (trainShape != null && testShape != null && !Arrays.equals(trainShape, testShape)) {
                throw new InvalidInputException("the training examples have shape " + Arrays.toString(trainShape)
                        + ", the test examples " + Arrays.toString(testShape) + ": both need one shape");
            }
            int[] shape = trainShape != null ? trainShape : testShape;
            Summary summary = new Summary(train.stream().mapToLong(PartitionStats::count).toArray(),
                    test.stream().mapToLong(PartitionStats::count).toArray(), shape);
            if (summary.trainTotal() == 0 || summary.testTotal() == 0) {
                throw new InvalidInputException("the " + (summary.trainTotal() == 0 ? "training" : "test")
                        + " input is empty");
            }
            if (summary.trainTotal() + summary.testTotal() > Integer.MAX_VALUE) {
                throw new InvalidInputException("more than " + Integer.MAX_VALUE + " examples: not supported");
            }
            return summary;
        } finally {
            sc.clearJobGroup();
        }
    }

    /** The one example shape of a part's partitions; throws on the first problem. */
    private static int[] shape(List<PartitionStats> partitions, String what) {
        int[] shape = null;
        for (int p = 0; p < partitions.size(); p++) {
            PartitionStats s = partitions.get(p);
            if (s.problem() != null) {
                throw new InvalidInputException(s.problem());
            }
            if (s.shape() != null && shape == null) {
                shape = s.shape();
            } else if (s.shape() != null && !Arrays.equals(shape, s.shape())) {
                throw new InvalidInputException(what + "s of partition " + p + " have shape " + Arrays.toString(s.shape())
                        + ", earlier ones " + Arrays.toString(shape) + ": all need one shape");
            }
        }
        return shape;
    }

    private static <T> List<PartitionStats> stats(SparkData.Part<T> part) {
        SparkData.Converter<T> converter = part.converter();
        String what = part.what();
        return part.rdd().mapPartitionsWithIndex((p, elements) -> {
            long[] count = {0};
            int[][] shape = {null};
            long element = 0;
            String problem = null;
            while (elements.hasNext()) {
                T next = elements.next();
                String where = what + " " + element + " of partition " + p;
                try {
                    converter.convert(next, (s, features, label, target) -> {
                        if (shape[0] == null) {
                            shape[0] = s.clone();
                        } else if (!Arrays.equals(shape[0], s)) {
                            throw new InvalidInputException("shape " + Arrays.toString(s) + " differs from "
                                    + Arrays.toString(shape[0]) + " of the partition's first example");
                        }
                        for (float v : features) {
                            if (!Float.isFinite(v)) {
                                throw new InvalidInputException("feature value " + v + " is not a finite number");
                            }
                        }
                        count[0]++;
                    });
                } catch (InvalidInputException | ClassCastException e) {
                    problem = where + ": " + e.getMessage();
                    break;
                }
                element++;
            }
            return List.of(new PartitionStats(count[0], shape[0], problem)).iterator();
        }, true).collect();
    }

    /**
     * Keys every example by its worker and shuffles it there: partition {@code w} of the result
     * holds worker {@code w}'s training range and its range of the test input. Cached serialized
     * (the caller unpersists it).
     */
    static JavaRDD<IndexedExample> shard(SparkData data, Summary summary, ShardPlan plan) {
        JavaPairRDD<Integer, IndexedExample> train = keyed(data.train(), summary.trainCounts(), false, plan);
        JavaPairRDD<Integer, IndexedExample> test = keyed(data.test(), summary.testCounts(), true, plan);
        JavaRDD<IndexedExample> sharded = train.union(test)
                .partitionBy(new HashPartitioner(plan.workers())) // integer keys 0..n-1 land in partitions 0..n-1
                .values();
        sharded.setName("averon shards (" + plan.workers() + " workers)");
        return sharded.persist(StorageLevel.MEMORY_AND_DISK_SER());
    }

    private static <T> JavaPairRDD<Integer, IndexedExample> keyed(SparkData.Part<T> part, long[] counts, boolean test,
                                                                  ShardPlan plan) {
        long[] offsets = new long[counts.length];
        for (int p = 1; p < counts.length; p++) {
            offsets[p] = offsets[p - 1] + counts[p - 1];
        }
        int size = test ? plan.testSize() : plan.trainSize();
        int workers = plan.workers();
        SparkData.Converter<T> converter = part.converter();
        JavaRDD<Tuple2<Integer, IndexedExample>> keyed = part.rdd().mapPartitionsWithIndex((p, elements) -> {
            List<Tuple2<Integer, IndexedExample>> out = new ArrayList<>();
            long[] index = {offsets[p]};
            while (elements.hasNext()) {
                converter.convert(elements.next(), (s, features, label, target) -> {
                    int i = (int) index[0]++;
                    out.add(new Tuple2<>(ShardPlan.owner(size, i, workers),
                            new IndexedExample(test, i, features, label, target)));
                });
            }
            return out.iterator();
        }, true);
        return JavaPairRDD.fromJavaRDD(keyed);
    }
}
