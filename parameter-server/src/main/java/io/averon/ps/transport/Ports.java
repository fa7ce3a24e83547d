package io.averon.ps.transport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.SocketException;

/** UDP port choice for a parameter server, which needs {@code port} and {@code port + 1}. */
public final class Ports {

    private static final int ATTEMPTS = 50;

    private Ports() {
    }

    /**
     * A port {@code p} such that {@code p} and {@code p + 1} were both free a moment ago (another
     * process may still take them before the server binds; binding then fails with a clear error).
     */
    public static int freeUdpPortPair() {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            try (DatagramSocket first = new DatagramSocket(0)) {
                int port = first.getLocalPort();
                if (port >= 65534) {
                    continue;
                }
                try (DatagramSocket second = new DatagramSocket(port + 1)) {
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

    /**
     * Checks that {@code chunkBytes} of payload (plus the 128-byte header and MAC) fit Aeron's
     * largest message at {@code termLength} (term / 8), and that the term is a power of two.
     */
    public static void checkChunking(int chunkBytes, int termLength) {
        if (chunkBytes < 1024 || Integer.bitCount(termLength) != 1 || termLength < 64 * 1024) {
            throw new IllegalArgumentException("chunk must be >= 1 KiB and the term length a power of two >= 64 KiB, got "
                    + chunkBytes + " / " + termLength);
        }
        if (chunkBytes + 128 > termLength / 8) {
            throw new IllegalArgumentException("a chunk of " + chunkBytes + " bytes does not fit term length " + termLength
                    + " (Aeron's largest message is term / 8)");
        }
    }
}
