package io.averon.ps.transport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.SocketException;

/** UDP port choice for a parameter server, which needs {@code port} and {@code port + 1}. */
public final class Ports {

    private static final int ATTEMPTS = 50;
    /** How many recently handed-out ports this JVM remembers (and so never hands out twice). */
    private static final int REMEMBERED = 4096;
    /** Ports handed out (each pair's two), oldest first: threads of one JVM pick concurrently. */
    private static final java.util.LinkedHashSet<Integer> HANDED_OUT = new java.util.LinkedHashSet<>();

    private Ports() {
    }

    /**
     * A port {@code p} such that {@code p} and {@code p + 1} were both free a moment ago and were not
     * handed out by this JVM recently (so threads that pick ports at once, e.g. the tasks of one
     * executor, never get the same; another process may still take them before the server binds,
     * and binding then fails with a clear error).
     */
    public static synchronized int freeUdpPortPair() {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            try (DatagramSocket first = new DatagramSocket(0)) {
                int port = first.getLocalPort();
                if (port >= 65534 || HANDED_OUT.contains(port) || HANDED_OUT.contains(port + 1)) {
                    continue;
                }
                try (DatagramSocket second = new DatagramSocket(port + 1)) {
                    remember(port);
                    remember(port + 1);
                    return port;
                } catch (SocketException taken) {
                    // the neighbour is in use: try another
                }
            } catch (SocketException e) {
                throw new UncheckedIOException("cannot open a UDP socket", e);
            }
        }
        throw new UncheckedIOException(new IOException("no free pair of adjacent UDP ports after " + ATTEMPTS + " tries"));
    }

    private static void remember(int port) {
        HANDED_OUT.add(port);
        if (HANDED_OUT.size() > REMEMBERED) {
            HANDED_OUT.remove(HANDED_OUT.iterator().next());
        }
    }

    /** Aeron's data frame header: an MTU carries this plus the frame's payload. */
    public static final int FRAME_HEADER_BYTES = 32;
    /** Default MTU of Averon's channels: 8 KiB frames (Aeron's default is 1,408). */
    public static final int DEFAULT_MTU_BYTES = 8192;
    /**
     * Smallest MTU Averon accepts: 544 bytes, a 572-byte IP datagram, within the 576 bytes every
     * IPv4 host must take (Aeron itself takes any multiple of 32 above its 32-byte header). Its
     * chunk holds every fixed-size message; a HELLO with the longest endpoint fits it.
     */
    public static final int MIN_MTU_BYTES = io.averon.ps.protocol.MessageValidator.MIN_CHUNK_BYTES
            + io.averon.ps.protocol.MessageHeader.OVERHEAD + FRAME_HEADER_BYTES;
    /** Largest MTU: Aeron's largest UDP payload (65,535 less the IPv4 and UDP headers, in whole frames). */
    public static final int MAX_MTU_BYTES = 65_504;
    /** IPv4 and UDP headers: a datagram of the MTU needs a link MTU this much larger. */
    public static final int IP_UDP_HEADER_BYTES = 28;
    /**
     * Default term length of Averon's publications: 1 MiB. Every message is one frame, so the term
     * only bounds how far a stream may run ahead of its reader (half a term, beyond Aeron's 128 KiB
     * receiver window); a worker has a stream to and from every owner in sharded mode, and each maps
     * three terms under /dev/shm.
     */
    public static final int DEFAULT_TERM_LENGTH = 1 << 20;

    /** Aeron's default receiver window (the driver's initial window length). */
    static final int AERON_RECEIVER_WINDOW_BYTES = 128 * 1024;

    /**
     * The receiver window of Averon's subscriptions for publications of {@code termLength} and
     * {@code mtuBytes}: Aeron's 128 KiB, but at most half the term less one MTU. A receiver drops,
     * as a flow-control overrun, any frame ending more than half a term beyond its last status
     * message, and a sender at its limit (last status message + window) may jump up to one MTU past
     * it over the padding that ends a term. With Aeron's window capped at half the term (every term
     * up to 256 KiB), a padding jump puts the sender's heartbeats beyond that bound: if the frames
     * before the padding were lost, the receiver never learns of the gap (it NAKs nothing, its
     * position does not move, so no new status message), the sender waits for one, and after the
     * image liveness timeout Aeron closes the image and makes a new one at the sender's position:
     * the lost frames are gone for good.
     */
    public static int receiverWindowBytes(int termLength, int mtuBytes) {
        return Math.min(AERON_RECEIVER_WINDOW_BYTES, termLength / 2 - mtuBytes);
    }

    /** The smallest term length {@link #checkMtu} allows for {@code mtuBytes}. */
    public static int smallestTermLength(int mtuBytes) {
        return Math.max(64 * 1024, Integer.highestOneBit(8 * mtuBytes - 1) << 1);
    }

    /**
     * Checks an MTU and term length: the MTU a multiple of 32 in 544 .. 65,504 (Aeron's limits, and
     * room for Averon's fixed-size messages), the term a power of two &gt;= 64 KiB holding at least 8 frames.
     */
    public static void checkMtu(int mtuBytes, int termLength) {
        if (mtuBytes < MIN_MTU_BYTES || mtuBytes > MAX_MTU_BYTES || mtuBytes % FRAME_HEADER_BYTES != 0) {
            throw new IllegalArgumentException("MTU must be a multiple of 32 in " + MIN_MTU_BYTES + ".." + MAX_MTU_BYTES
                    + ", got " + mtuBytes);
        }
        if (Integer.bitCount(termLength) != 1 || termLength < 64 * 1024 || termLength / 8 < mtuBytes) {
            throw new IllegalArgumentException("the term length must be a power of two >= 64 KiB and >= 8 x the MTU, got "
                    + termLength + " for MTU " + mtuBytes);
        }
    }

    /**
     * The MTU that fits a link of {@code linkMtuBytes}: the largest multiple of 32 whose datagram,
     * with its IPv4 and UDP headers, is no longer than the link's MTU (1,472 for 1,500-byte links).
     */
    public static int mtuForLink(int linkMtuBytes) {
        int payload = linkMtuBytes - IP_UDP_HEADER_BYTES;
        return payload - Math.floorMod(payload, FRAME_HEADER_BYTES);
    }

    /** Payload bytes of a full chunk on a channel of this MTU (PROTOCOL.md: every message is one frame). */
    public static int chunkBytes(int mtuBytes) {
        return io.averon.ps.protocol.Chunking.chunkBytesForFrame(mtuBytes - FRAME_HEADER_BYTES);
    }
}
