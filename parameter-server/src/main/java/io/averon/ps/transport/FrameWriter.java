package io.averon.ps.transport;

import io.averon.ps.protocol.Chunking;
import io.averon.ps.protocol.Encoding;
import io.averon.ps.protocol.MessageAuthenticator;
import io.averon.ps.protocol.MessageHeader;
import io.averon.ps.protocol.MessageType;
import org.agrona.concurrent.UnsafeBuffer;


/**
 * Writes one signed frame of a message (PROTOCOL.md): the header, chunk {@code index} of the
 * payload (float32 values or bytes), and the MAC. A message longer than one frame's payload is cut
 * into {@link #chunkCount} chunks. Allocates nothing. Owned by one thread (the authenticator's).
 */
final class FrameWriter {

    private final MessageAuthenticator authenticator;
    private final int chunkBytes;

    FrameWriter(MessageAuthenticator authenticator, int chunkBytes) {
        this.authenticator = authenticator;
        this.chunkBytes = chunkBytes;
    }

    /** Bytes a frame buffer needs: header, a full chunk, MAC. */
    int frameCapacity() {
        return MessageHeader.OVERHEAD + chunkBytes;
    }

    int chunkCount(long totalBytes) {
        return Chunking.chunkCount(totalBytes, chunkBytes);
    }

    /** Chunks of a vector of {@code totalBytes} float32 bytes sent in {@code encoding}. */
    int chunkCount(long totalBytes, Encoding encoding) {
        return Chunking.chunkCount(totalBytes, encoding.logicalChunkBytes(chunkBytes));
    }

    /**
     * Writes chunk {@code index} of a message whose payload is {@code values} or {@code bytes}
     * ({@code totalBytes} long, float32 bytes for values) into {@code frame}; float values go in the
     * encoding {@code flags} announce, with error feedback through {@code residual} when it is not
     * null ({@link Encoding#encode}).
     *
     * @return the frame's length
     */
    int write(UnsafeBuffer frame, MessageType type, int flags, long jobId, long incarnation, long round, int workerId,
              int attempt, long session, long sequence, long sampleCount, float[] values, float[] residual,
              byte[] bytes, long totalBytes, int chunks, int index) {
        long at = Chunking.chunkOffset(totalBytes, chunks, index);
        int length = Chunking.chunkLength(totalBytes, chunks, index);
        int payload;
        if (values == null) {
            payload = length;
            if (length > 0) {
                frame.putBytes(MessageHeader.LENGTH, bytes, (int) at, length);
            }
        } else {
            payload = Encoding.of(flags).encode(values, (int) (at / Float.BYTES), length / Float.BYTES, residual, frame,
                    MessageHeader.LENGTH);
        }
        MessageHeader.write(frame, 0, type, flags, jobId, incarnation, round, workerId, attempt, session, sequence,
                sampleCount, index, chunks, totalBytes, at, payload);
        authenticator.sign(frame, 0, MessageHeader.LENGTH + payload);
        return MessageHeader.OVERHEAD + payload;
    }
}
