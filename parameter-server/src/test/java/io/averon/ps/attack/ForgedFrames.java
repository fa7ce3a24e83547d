package io.averon.ps.attack;

import io.aeron.logbuffer.FrameDescriptor;
import io.aeron.protocol.DataHeaderFlyweight;
import io.aeron.protocol.HeaderFlyweight;
import io.aeron.protocol.SetupFlyweight;
import io.aeron.protocol.StatusMessageFlyweight;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A keyless attacker speaking raw Aeron frames over its own UDP socket (Aeron's own flyweights
 * write them): SETUPs that open images on a receiver, DATA frames of messages that never end, and
 * status messages that ask a publication for a SETUP. It counts every byte it sends and every
 * byte that comes back to its socket, so a test can assert that the attack reached the server and
 * what the server answered.
 */
public final class ForgedFrames implements AutoCloseable {

    private final DatagramSocket socket;
    private final InetSocketAddress target;
    private final ByteBuffer frame = ByteBuffer.allocateDirect(64 * 1024);
    private final UnsafeBuffer buffer = new UnsafeBuffer(frame);
    private final AtomicLong bytesSent = new AtomicLong();
    private final AtomicLong bytesReceived = new AtomicLong();
    private final AtomicLong datagramsReceived = new AtomicLong();
    private final Thread receiver;
    private volatile boolean closed;

    /** An attacker socket on 127.0.0.1 aimed at {@code host:port}; it listens for answers until closed. */
    public ForgedFrames(String host, int port) {
        try {
            socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
            socket.setSoTimeout(100);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        target = new InetSocketAddress(host, port);
        receiver = new Thread(this::receive, "forged-frames-receiver");
        receiver.setDaemon(true);
        receiver.start();
    }

    /** A SETUP announcing a new image of {@code sessionId} on {@code streamId}, term {@code termLength}. */
    public void setup(int sessionId, int streamId, int termLength, int mtu) {
        SetupFlyweight setup = new SetupFlyweight(buffer);
        setup.version(HeaderFlyweight.CURRENT_VERSION).flags((short) 0).headerType(HeaderFlyweight.HDR_TYPE_SETUP)
                .frameLength(SetupFlyweight.HEADER_LENGTH);
        setup.termOffset(0).sessionId(sessionId).streamId(streamId).initialTermId(7).activeTermId(7)
                .termLength(termLength).mtuLength(mtu).ttl(0);
        send(SetupFlyweight.HEADER_LENGTH);
    }

    /**
     * The {@code index}-th frame of a fragmented message of session {@code sessionId}: frame 0 says
     * BEGIN, later frames are middles; no frame ever says END. {@code payload} bytes each.
     */
    public void unendedFragment(int sessionId, int streamId, int termLength, int index, int payload) {
        int frameLength = DataHeaderFlyweight.HEADER_LENGTH + payload;
        int aligned = (frameLength + FrameDescriptor.FRAME_ALIGNMENT - 1) & -FrameDescriptor.FRAME_ALIGNMENT;
        int termOffset = index * aligned;
        DataHeaderFlyweight data = new DataHeaderFlyweight(buffer);
        buffer.setMemory(0, frameLength, (byte) 0x5A);
        data.version(HeaderFlyweight.CURRENT_VERSION)
                .flags(index == 0 ? FrameDescriptor.BEGIN_FRAG_FLAG : 0)
                .headerType(HeaderFlyweight.HDR_TYPE_DATA)
                .frameLength(frameLength);
        data.termOffset(termOffset).sessionId(sessionId).streamId(streamId).termId(7).reservedValue(0);
        if (termOffset + aligned > termLength) {
            throw new IllegalArgumentException("frame " + index + " is beyond the term");
        }
        send(frameLength);
    }

    /** A status message for {@code sessionId} with the SETUP flag: "send me a SETUP", i.e. "make me a receiver". */
    public void statusMessageAskingForSetup(int sessionId, int streamId) {
        StatusMessageFlyweight sm = new StatusMessageFlyweight(buffer);
        sm.version(HeaderFlyweight.CURRENT_VERSION).flags(StatusMessageFlyweight.SEND_SETUP_FLAG)
                .headerType(HeaderFlyweight.HDR_TYPE_SM).frameLength(StatusMessageFlyweight.HEADER_LENGTH);
        sm.sessionId(sessionId).streamId(streamId).consumptionTermId(7).consumptionTermOffset(0)
                .receiverWindowLength(128 * 1024).receiverId(sessionId * 31L);
        send(StatusMessageFlyweight.HEADER_LENGTH);
    }

    private void send(int length) {
        byte[] bytes = new byte[length];
        buffer.getBytes(0, bytes);
        try {
            socket.send(new DatagramPacket(bytes, length, target));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        bytesSent.addAndGet(length);
    }

    private void receive() {
        byte[] in = new byte[64 * 1024];
        DatagramPacket packet = new DatagramPacket(in, in.length);
        while (!closed) {
            try {
                socket.receive(packet);
                bytesReceived.addAndGet(packet.getLength());
                datagramsReceived.incrementAndGet();
            } catch (SocketTimeoutException e) {
                // poll the closed flag
            } catch (IOException e) {
                return;
            }
        }
    }

    /** UDP payload bytes this attacker sent. */
    public long bytesSent() {
        return bytesSent.get();
    }

    /** UDP payload bytes that came back to its socket. */
    public long bytesReceived() {
        return bytesReceived.get();
    }

    public long datagramsReceived() {
        return datagramsReceived.get();
    }

    @Override
    public void close() {
        closed = true;
        socket.close();
        try {
            receiver.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
