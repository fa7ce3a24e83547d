package io.averon.ps.transport;

import io.averon.ps.protocol.MessageHeader;
import io.averon.ps.protocol.MessageType;
import io.averon.ps.protocol.MessageValidator;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * Says HELLO until answered (PROTOCOL.md, "Joining"): a HELLO datagram, written afresh each time
 * (a new sequence), every {@link #RESEND_MS} ms, until a CHALLENGE that passes the validator and
 * echoes the HELLO's session arrives, or the deadline passes.
 */
public final class Hello {

    /** How often an unanswered HELLO is sent again (it is a plain datagram, and may be lost). */
    public static final long RESEND_MS = 200;

    private Hello() {
    }

    /**
     * @param writeHello writes a signed HELLO into {@code message} and returns its length
     * @return whether a CHALLENGE for {@code session} arrived before {@code deadlineNs}
     */
    public static boolean untilChallenged(HandshakeSocket socket, InetSocketAddress target, UnsafeBuffer message,
                                          IntSupplier writeHello, MessageValidator validator, long session,
                                          long deadlineNs) {
        boolean[] answered = {false};
        IdleStrategy idle = new BackoffIdleStrategy(10, 20, 1_000, 1_000_000);
        long nextSend = System.nanoTime();
        while (!answered[0]) {
            if (System.nanoTime() - nextSend >= 0) {
                socket.send(message, writeHello.getAsInt(), target);
                nextSend = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RESEND_MS);
            }
            int read = socket.poll((b, length, source) -> answered[0] |= validator.validate(b, 0, length) == null
                    && MessageHeader.type(b, 0) == MessageType.CHALLENGE && MessageHeader.session(b, 0) == session, 4);
            if (read == 0 && !answered[0]) {
                if (System.nanoTime() - deadlineNs > 0) {
                    return false;
                }
                idle.idle();
            }
        }
        return true;
    }
}
