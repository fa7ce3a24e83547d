package io.averon.core.model;

import java.nio.FloatBuffer;

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
    private int samples;
    private int planeSize;
    private int channels;

    private ChannelBlocks() {
    }

    /** This thread's blocks, sized for channels of {@code samples} planes of {@code planeSize} floats. */
    static ChannelBlocks of(int samples, int planeSize, int channels) {
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
