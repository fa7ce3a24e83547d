package io.averon.ps.protocol;

import org.agrona.DirectBuffer;
import java.util.BitSet;

/**
 * Reassembles one chunked transfer of authenticated messages (a PUSH, an AVERAGED, a report) into an
 * array preallocated from the registered model size: float32 values into a {@code float[]}, or
 * bytes into a {@code byte[]}. A transfer is keyed by its sender's round and
 * first-chunk header; a chunk of another transfer starts over. The message must already have
 * passed {@link MessageValidator} (offsets and lengths are exact and within the destination).
 */
public final class ChunkAssembler {

    private final float[] destination;
    private final byte[] bytes;
    private final BitSet received = new BitSet();
    private long round = -1;
    private long totalLength;
    private int chunkCount;
    private int receivedCount;

    public ChunkAssembler(float[] destination) {
        this.destination = destination;
        this.bytes = null;
    }

    public ChunkAssembler(byte[] destination) {
        this.destination = null;
        this.bytes = destination;
    }

    /** What a chunk did. */
    public enum Outcome { PARTIAL, COMPLETE, DUPLICATE }

    /**
     * Copies one validated chunk into place.
     *
     * @return {@link Outcome#COMPLETE} when this chunk completed the transfer
     */
    public Outcome onChunk(DirectBuffer b, int offset) {
        long msgRound = MessageHeader.round(b, offset);
        int count = MessageHeader.chunkCount(b, offset);
        long total = MessageHeader.totalLength(b, offset);
        if (msgRound != round || count != chunkCount || total != totalLength) {
            reset(msgRound, count, total);
        }
        int index = MessageHeader.chunkIndex(b, offset);
        if (received.get(index)) {
            return Outcome.DUPLICATE;
        }
        int length = MessageHeader.payloadLength(b, offset);
        long at = MessageHeader.chunkOffset(b, offset);
        Encoding encoding = bytes != null ? Encoding.FLOAT32 : Encoding.of(MessageHeader.flags(b, offset));
        int values = encoding.values(length);
        long logicalLength = bytes != null ? length : (long) values * Float.BYTES;
        long capacity = bytes != null ? bytes.length : (long) destination.length * Float.BYTES;
        if (at + logicalLength > capacity) {
            throw new IllegalStateException("validated chunk exceeds the destination: " + (at + logicalLength) + " > "
                    + capacity);
        }
        int payload = offset + MessageHeader.LENGTH;
        if (bytes != null) {
            b.getBytes(payload, bytes, (int) at, length);
        } else {
            encoding.decode(b, payload, values, destination, (int) (at / Float.BYTES));
        }
        received.set(index);
        receivedCount++;
        return receivedCount == chunkCount ? Outcome.COMPLETE : Outcome.PARTIAL;
    }

    /** Chunks of the current transfer received so far. */
    public int receivedChunks() {
        return receivedCount;
    }

    /** Bytes of the last completed (or current) transfer. */
    public long totalLength() {
        return totalLength;
    }

    /** Forgets any partial transfer. */
    public void clear() {
        reset(-1, 0, 0);
    }

    private void reset(long newRound, int count, long total) {
        round = newRound;
        chunkCount = count;
        totalLength = total;
        receivedCount = 0;
        received.clear();
    }
}
