package io.averon.ps.transport;

import org.agrona.CloseHelper;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;

/**
 * A plain UDP socket for the handshake that comes before any Aeron stream (PROTOCOL.md, "Joining"):
 * a worker's HELLO and the CHALLENGE that answers it, one datagram each, as long as the MTU when
 * padded to it. Non-blocking: the owner polls it on its own thread. A datagram is read into one
 * reused buffer and handed on; anything longer than the socket's largest datagram is truncated (and
 * then fails the length checks). Nothing is kept per sender.
 */
public final class HandshakeSocket implements AutoCloseable {

    /** Largest datagram of {@link #bind(String, int)}: an unpadded HELLO (header, the longest payload, MAC) fits. */
    public static final int MAX_DATAGRAM = 1024;

    /** Receives one datagram. */
    @FunctionalInterface
    public interface Handler {
        void onDatagram(UnsafeBuffer buffer, int length, SocketAddress source);
    }

    private final DatagramChannel channel;
    private final ByteBuffer in;
    private final UnsafeBuffer inBuffer;
    private final ByteBuffer out;
    private long bytesReceived;
    private long bytesSent;

    private HandshakeSocket(DatagramChannel channel, int maxDatagramBytes) {
        this.channel = channel;
        this.in = ByteBuffer.allocateDirect(maxDatagramBytes);
        this.inBuffer = new UnsafeBuffer(in);
        this.out = ByteBuffer.allocateDirect(maxDatagramBytes);
    }

    /** Binds {@code host:port} ({@code port} 0: any free port) for datagrams of at most {@link #MAX_DATAGRAM} bytes. */
    public static HandshakeSocket bind(String host, int port) {
        return bind(host, port, MAX_DATAGRAM);
    }

    /** Binds {@code host:port} for datagrams of at most {@code maxDatagramBytes} (e.g. the MTU). */
    public static HandshakeSocket bind(String host, int port, int maxDatagramBytes) {
        DatagramChannel channel = null;
        try {
            InetSocketAddress address = new InetSocketAddress(host, port);
            channel = DatagramChannel.open(address.getAddress() instanceof java.net.Inet6Address
                    ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
            channel.bind(address);
            channel.configureBlocking(false);
            return new HandshakeSocket(channel, Math.max(MAX_DATAGRAM, maxDatagramBytes));
        } catch (IOException | RuntimeException e) {
            CloseHelper.quietClose(channel);
            throw new UncheckedIOException(new IOException("cannot bind UDP " + host + ":" + port + ": " + e.getMessage(), e));
        }
    }

    /** Hands every waiting datagram (at most {@code limit}) to {@code handler}; returns how many. */
    public int poll(Handler handler, int limit) {
        int count = 0;
        try {
            while (count < limit) {
                in.clear();
                SocketAddress source = channel.receive(in);
                if (source == null) {
                    break;
                }
                count++;
                bytesReceived += in.position();
                handler.onDatagram(inBuffer, in.position(), source);
            }
        } catch (IOException e) {
            // an ICMP error from an earlier send (e.g. port unreachable) surfaces here: nothing to read
        }
        return count;
    }

    /** Sends {@code buffer[0 .. length)} to {@code target}; false if the kernel did not take it. */
    public boolean send(org.agrona.DirectBuffer buffer, int length, SocketAddress target) {
        out.clear();
        buffer.getBytes(0, out, length);
        out.flip();
        try {
            int sent = channel.send(out, target);
            bytesSent += sent;
            return sent == length;
        } catch (IOException e) {
            return false;
        }
    }

    /** This socket's bound address. */
    public InetSocketAddress localAddress() {
        try {
            return (InetSocketAddress) channel.getLocalAddress();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public long bytesReceived() {
        return bytesReceived;
    }

    public long bytesSent() {
        return bytesSent;
    }

    @Override
    public void close() {
        CloseHelper.quietClose(channel);
    }
}
