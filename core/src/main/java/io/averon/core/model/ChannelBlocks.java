package io.averon.core.model;

import org.nd4j.linalg.factory.Nd4j;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;

/**
 * One channel of an NCHW float array gathered into a block on the Java heap and scattered back:
 * its planes, one per sample, end to end ({@code samples * planeSize} floats). Working on the
 * block keeps a channel in the cache between passes over it, where reading the planes from the
 * array again would bring them from memory. The blocks are kept per thread and grow to the
 * largest channel seen, so layers share them instead of holding their own.
 */
final class ChannelBlocks {

    private static final ThreadLocal<ChannelBlocks> PER_THREAD = ThreadLocal.withInitial(ChannelBlocks::new);

    /** Two blocks, for passes over two arrays at once (an input and its gradient). */
    float[] first = new float[0];
    float[] second = new float[0];
    /** Room for a pass's two sums over one plane. */
    final float[] sums = new float[2];
    private int samples;
    private int planeSize;
    private int channels;

    private ChannelBlocks() {
    }

    /** Work on one channel with the running thread's blocks. */
    interface ChannelPass {
        void run(ChannelBlocks blocks, int channel);
    }

    /**
     * Runs {@code pass} on every channel of arrays of {@code samples} x {@code channels} planes of
     * {@code planeSize} floats, the channels split into as many contiguous ranges as ND4J runs
     * threads ({@code maxMasterThreads}, which Averon sets to the worker's threads): the calling
     * thread takes the first range, the common fork-join pool the others. Returns when all ran.
     */
    static void forEachChannel(int samples, int planeSize, int channels, ChannelPass pass) {
        int ways = Math.max(1, Math.min(Nd4j.getEnvironment().maxMasterThreads(), channels));
        List<ForkJoinTask<?>> others = new ArrayList<>(ways - 1);
        for (int way = 1; way < ways; way++) {
            int from = channels * way / ways;
            int to = channels * (way + 1) / ways;
            others.add(ForkJoinPool.commonPool().submit(() -> runRange(samples, planeSize, channels, from, to, pass)));
        }
        runRange(samples, planeSize, channels, 0, channels / ways, pass);
        others.forEach(ForkJoinTask::join);
    }

    private static void runRange(int samples, int planeSize, int channels, int from, int to, ChannelPass pass) {
        ChannelBlocks blocks = of(samples, planeSize, channels);
        for (int c = from; c < to; c++) {
            pass.run(blocks, c);
        }
    }

    /** This thread's blocks, sized for channels of {@code samples} planes of {@code planeSize} floats. */
    private static ChannelBlocks of(int samples, int planeSize, int channels) {
        ChannelBlocks blocks = PER_THREAD.get();
        int length = samples * planeSize;
        if (blocks.first.length < length) {
            blocks.first = new float[length];
            blocks.second = new float[length];
        }
        blocks.samples = samples;
        blocks.planeSize = planeSize;
        blocks.channels = channels;
        return blocks;
    }

    /** Channel {@code c} of {@code array} (dense NCHW) into {@code block}. */
    void read(FloatBuffer array, int c, float[] block) {
        for (int s = 0; s < samples; s++) {
            array.get((s * channels + c) * planeSize, block, s * planeSize, planeSize);
        }
    }

    /** {@code block} into channel {@code c} of {@code array} (dense NCHW). */
    void write(float[] block, int c, FloatBuffer array) {
        for (int s = 0; s < samples; s++) {
            array.put((s * channels + c) * planeSize, block, s * planeSize, planeSize);
        }
    }
}
