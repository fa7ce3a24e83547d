package io.averon.ps.transport;

import io.aeron.ConcurrentPublication;
import io.aeron.Subscription;
import io.averon.ps.ParameterServerUnreachableException;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A sender whose peer is not connected waits for it (a lossy link or a starved host makes Aeron
 * declare a live peer not connected for a moment) until the deadline, then names the peer; a peer
 * that comes back in time gets the message.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BoundedOfferTest {

    private final UnsafeBuffer message = new UnsafeBuffer(ByteBuffer.allocateDirect(64));

    @Test
    void shouldDeliverWhenThePeerConnectsWhileTheSenderWaits() throws Exception {
        try (EmbeddedMediaDriver sender = EmbeddedMediaDriver.launch("offer-sender");
             EmbeddedMediaDriver receiver = EmbeddedMediaDriver.launch("offer-receiver")) {
            String channel = "aeron:udp?endpoint=127.0.0.1:" + Ports.freeUdpPortPair();
            try (ConcurrentPublication publication = sender.aeron().addPublication(channel, 7)) {
                message.putInt(0, 42);
                assertFalse(publication.isConnected(), "nobody subscribes yet: the peer is not connected");
                CompletableFuture<Subscription> late = CompletableFuture.supplyAsync(() -> {
                    sleep(1_000);
                    return receiver.aeron().addSubscription(channel, 7);
                });

                new BoundedOffer("test peer").offer(publication, message, 0, Integer.BYTES,
                        System.nanoTime() + TimeUnit.SECONDS.toNanos(30));

                try (Subscription subscription = late.get()) {
                    AtomicInteger received = new AtomicInteger();
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                    while (received.get() == 0) {
                        subscription.poll((b, offset, length, header) -> received.set(b.getInt(offset)), 1);
                        assertTrue(System.nanoTime() < deadline, "the message never arrived");
                        Thread.sleep(1);
                    }
                    assertEquals(42, received.get());
                }
            }
        }
    }

    @Test
    void shouldNameAPeerThatStaysUnreachableUntilTheDeadline() {
        try (EmbeddedMediaDriver sender = EmbeddedMediaDriver.launch("offer-sender")) {
            String channel = "aeron:udp?endpoint=127.0.0.1:" + Ports.freeUdpPortPair();
            try (ConcurrentPublication publication = sender.aeron().addPublication(channel, 7)) {
                long start = System.nanoTime();
                ParameterServerUnreachableException e = assertThrows(ParameterServerUnreachableException.class,
                        () -> new BoundedOffer("parameter server at 127.0.0.1").offer(publication, message, 0,
                                Integer.BYTES, start + TimeUnit.MILLISECONDS.toNanos(1_500)));
                long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

                assertTrue(waitedMs >= 1_500, "gave up after " + waitedMs + " ms, before the deadline");
                assertEquals("parameter server at 127.0.0.1 did not accept a message before the deadline (not connected)",
                        e.getMessage());
            }
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
