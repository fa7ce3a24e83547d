package io.averon.ps.protocol;

import org.agrona.DirectBuffer;
import java.nio.ByteOrder;
import java.util.BitSet;

/**
 * Reassembles one chunked transfer (a PUSH or an AVERAGED) of float32 values into a float array
 * that was preallocated from the registered model size. A transfer is keyed by its sender's round and
 * first-chunk header; a chunk of another transfer starts over. The message must already have
 * passed {@link MessageValidator} (offsets and lengths are exact and within the destination).
 */
public final class ChunkAssembler {

    private final float[] destination;
    private final BitSet received = new BitSet();
    private long round = -1;
    private long totalLength;
    private int chunkCount;
    private int receivedCount;

    public ChunkAssembler(float[] destination) {
        this.destination = destination;
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
        if (at + length > (long) destination.length * Float.BYTES) {
            throw new IllegalStateException("validated chunk exceeds the destination: " + (at + length) + " > "
                    + (long) destination.length * Float.BYTES);
        }
        int first = (int) (at / Float.BYTES);
        int payload = offset + MessageHeader.LENGTH;
        for (int k = 0, n = length / Float.BYTES; k < n; k++) {
            destination[first + k] = b.getFloat(payload + k * Float.BYTES, ByteOrder.LITTLE_ENDIAN);
        }
        received.set(index);
        receivedCount++;
        return receivedCount == chunkCount ? Outcome.COMPLETE : Outcome.PARTIAL;
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
