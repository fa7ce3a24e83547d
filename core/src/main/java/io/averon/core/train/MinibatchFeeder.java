package io.averon.core.train;

import io.averon.core.data.ArrayDataSet;
import io.averon.core.data.Labels;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.FloatBuffer;

/**
 * Copies minibatches out of an {@link ArrayDataSet} into ND4J arrays that are allocated once per
 * batch size and reused for every batch (the minibatch loop allocates no new arrays). Images and
 * tabular examples are fed flat ({@code [batch, features]}; image models use DL4J's
 * {@code convolutionalFlat} input), sequences as {@code [batch, channels, steps]}.
 *
 * <p>Owned by one thread. The arrays returned by {@link #fill} are overwritten by the next call.
 */
public final class MinibatchFeeder {

    private final ArrayDataSet data;
    private final int batchSize;
    private final int width;
    private final int labelWidth;
    private final Batch full;
    private Batch partial;
    private final Augmentation augmentation;
    private final float[] scratch;
    private java.util.SplittableRandom random;

    /** A filled minibatch: views valid until the next {@link #fill}. */
    public record Batch(INDArray features, INDArray labels, int size) {
    }

    public MinibatchFeeder(ArrayDataSet data, int batchSize) {
        this(data, batchSize, Augmentation.none());
    }

    /**
     * A feeder that augments every example it fills (training only); call {@link #reseed} before
     * each epoch.
     */
    public MinibatchFeeder(ArrayDataSet data, int batchSize, Augmentation augmentation) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        this.data = data;
        this.batchSize = batchSize;
        this.width = data.featureLength();
        this.labelWidth = data.labels() instanceof Labels.Classes c ? c.numClasses() : 1;
        this.full = allocate(Math.min(batchSize, Math.max(1, data.size())));
        augmentation.checkApplies(data.exampleShape(), data.name());
        this.augmentation = augmentation;
        this.scratch = augmentation.active() ? new float[width] : null;
        this.random = new java.util.SplittableRandom(0);
    }

    /** Seeds the augmentation's random crops and flips (e.g. per epoch and worker). */
    public void reseed(long seed) {
        random = new java.util.SplittableRandom(seed);
    }

    public int batchSize() {
        return batchSize;
    }

    /** Number of minibatches in one pass over the data. */
    public int batchesPerEpoch() {
        return (data.size() + batchSize - 1) / batchSize;
    }

    /**
     * Fills a batch with examples {@code order[start .. start+count)}.
     *
     * @param order example indices (a permutation for training, identity for evaluation); null = identity
     */
    public Batch fill(int[] order, int start, int count) {
        Batch batch = count == full.size() ? full : partialOf(count);
        FloatBuffer x = batch.features().data().asNioFloat();
        FloatBuffer y = batch.labels().data().asNioFloat();
        float[] features = data.features();
        Labels labels = data.labels();
        for (int r = 0; r < count; r++) {
            int example = order == null ? start + r : order[start + r];
            x.position(r * width);
            if (scratch != null) {
                augmentation.apply(features, example * width, data.exampleShape(), scratch, 0, random);
                x.put(scratch, 0, width);
            } else {
                x.put(features, example * width, width);
            }
            if (labels instanceof Labels.Classes c) {
                int base = r * labelWidth;
                for (int k = 0; k < labelWidth; k++) {
                    y.put(base + k, 0f);
                }
                y.put(base + c.values()[example], 1f);
            } else if (labels instanceof Labels.Targets t) {
                y.put(r, t.values()[example]);
            }
        }
        return batch;
    }

    /**
     * The shape of a minibatch of {@code rows} examples as the models take it: sequences
     * ({@code [steps, features]}) keep their two axes; everything else is flat (convolutional
     * presets reshape it themselves).
     */
    public static long[] batchShape(int[] exampleShape, int rows) {
        if (exampleShape.length == 2) {
            return new long[] {rows, exampleShape[0], exampleShape[1]};
        }
        long width = 1;
        for (int d : exampleShape) {
            width *= d;
        }
        return new long[] {rows, width};
    }

    private Batch partialOf(int count) {
        if (partial == null || partial.size() != count) {
            partial = allocate(count); // at most one tail size per epoch: the last, shorter batch
        }
        return partial;
    }

    private Batch allocate(int rows) {
        INDArray features = Nd4j.create(DataType.FLOAT, batchShape(data.exampleShape(), rows), 'c');
        INDArray labels = Nd4j.create(DataType.FLOAT, new long[] {rows, labelWidth}, 'c');
        return new Batch(features, labels, rows);
    }
}
