package io.averon.ps;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A UDP relay on loopback standing for a path whose link MTU is smaller in one direction or both:
 * datagrams to {@code front} go on to {@code target} from another socket, the answers go back to
 * the last sender, and a datagram longer than the direction's limit is dropped silently (counted),
 * as a switch drops a frame too large for a link. The limit towards the target may change while it
 * runs ({@link #maxForward(int)}: 0 partitions that direction). Two threads, blocking reads;
 * {@link #close} stops them.
 */
final class SizeLimitedRelay implements AutoCloseable {

    private final DatagramChannel front;
    private final DatagramChannel back;
    private final InetSocketAddress target;
    private volatile int maxForward;
    private final int maxBack;
    private final AtomicReference<SocketAddress> client = new AtomicReference<>();
    final AtomicLong forwarded = new AtomicLong();
    final AtomicLong droppedForward = new AtomicLong();
    final AtomicLong returned = new AtomicLong();
    final AtomicLong droppedBack = new AtomicLong();
    /** The longest datagram each way that reached the relay. */
    final AtomicLong longestForward = new AtomicLong();
    final AtomicLong longestBack = new AtomicLong();
    private final Thread[] threads = new Thread[2];

    /**
     * Relays {@code 127.0.0.1:frontPort} to {@code target}, passing datagrams of at most
     * {@code maxForward} bytes towards the target and {@code maxBack} bytes back.
     */
    SizeLimitedRelay(int frontPort, InetSocketAddress target, int maxForward, int maxBack) throws IOException {
        this.front = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", frontPort));
        this.back = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        this.target = target;
        this.maxForward = maxForward;
        this.maxBack = maxBack;
        threads[0] = new Thread(this::forward, "relay-forward");
        threads[1] = new Thread(this::backward, "relay-back");
        for (Thread t : threads) {
            t.setDaemon(true);
            t.start();
        }
    }

    /** From now on, datagrams longer than {@code bytes} towards the target are dropped (0: all of them). */
    void maxForward(int bytes) {
        maxForward = bytes;
    }

    private void forward() {
        ByteBuffer buffer = ByteBuffer.allocate(65_536);
        try {
            while (true) {
                buffer.clear();
                SocketAddress from = front.receive(buffer);
                client.set(from);
                buffer.flip();
                longestForward.accumulateAndGet(buffer.remaining(), Math::max);
                if (buffer.remaining() > maxForward) {
                    droppedForward.incrementAndGet();
                } else {
                    back.send(buffer, target);
                    forwarded.incrementAndGet();
                }
            }
        } catch (ClosedChannelException closed) {
            // stopped
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void backward() {
        ByteBuffer buffer = ByteBuffer.allocate(65_536);
        try {
            while (true) {
                buffer.clear();
                back.receive(buffer);
                buffer.flip();
                longestBack.accumulateAndGet(buffer.remaining(), Math::max);
                SocketAddress to = client.get();
                if (buffer.remaining() > maxBack || to == null) {
                    droppedBack.incrementAndGet();
                } else {
                    front.send(buffer, to);
                    returned.incrementAndGet();
                }
            }
        } catch (ClosedChannelException closed) {
            // stopped
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        try {
            front.close();
            back.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (Thread t : threads) {
            t.join(5_000);
        }
    }
}
