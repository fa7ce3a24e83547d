package io.averon.ps.protocol;

/**
 * How a payload of {@code total} bytes is cut into {@code count} chunks: chunk {@code i} covers
 * {@code [i * size, min(total, (i + 1) * size))} with {@code size = ceil(total / count)} rounded up
 * to whole floats. Both sides compute the same cuts, so a receiver can check every chunk's offset
 * and length exactly and knows the chunks cover the payload without holes or overlaps.
 */
public final class Chunking {

    private Chunking() {
    }

    /**
     * Payload bytes of a full chunk when a message must fit one frame whose payload may hold
     * {@code framePayloadBytes} (Aeron's {@code maxPayloadLength}: MTU minus its 32-byte data
     * header): that minus the message header and MAC, in whole floats.
     */
    public static int chunkBytesForFrame(int framePayloadBytes) {
        int bytes = framePayloadBytes - MessageHeader.OVERHEAD;
        return bytes - bytes % Float.BYTES;
    }

    /** Chunks needed for {@code total} bytes when a chunk may carry at most {@code maxChunkBytes}. */
    public static int chunkCount(long total, int maxChunkBytes) {
        long aligned = maxChunkBytes - maxChunkBytes % Float.BYTES;
        if (aligned <= 0) {
            throw new IllegalArgumentException("chunk size " + maxChunkBytes + " is below one float");
        }
        long count = Math.max(1, (total + aligned - 1) / aligned);
        if (count > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(total + " bytes need too many chunks of " + maxChunkBytes);
        }
        return (int) count;
    }

    static long chunkSize(long total, int count) {
        long size = (total + count - 1) / count;
        long rem = size % Float.BYTES;
        return rem == 0 ? size : size + Float.BYTES - rem;
    }

    public static long chunkOffset(long total, int count, int index) {
        return Math.min(total, index * chunkSize(total, count));
    }

    public static int chunkLength(long total, int count, int index) {
        long start = chunkOffset(total, count, index);
        long end = Math.min(total, start + chunkSize(total, count));
        return (int) (end - start);
    }
}
