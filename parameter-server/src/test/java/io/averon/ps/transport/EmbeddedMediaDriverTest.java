package io.averon.ps.transport;

import io.aeron.ConcurrentPublication;
import io.aeron.Subscription;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Two embedded drivers in one JVM (as two executors on one host): separate directories, real UDP between them. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EmbeddedMediaDriverTest {

    @Test
    void shouldDeliverAMessageOverUdpBetweenTwoDriversWithSeparateDirectories() throws Exception {
        Path serverDir;
        Path clientDir;
        try (EmbeddedMediaDriver server = EmbeddedMediaDriver.launch("test-server");
             EmbeddedMediaDriver client = EmbeddedMediaDriver.launch("test-client")) {
            serverDir = Path.of(server.directory());
            clientDir = Path.of(client.directory());
            assertNotEquals(serverDir, clientDir, "each driver owns its directory");
            assertTrue(Files.isDirectory(serverDir) && Files.isDirectory(clientDir));

            String channel = "aeron:udp?endpoint=127.0.0.1:" + freeUdpPort();
            try (Subscription subscription = server.aeron().addSubscription(channel, 7);
                 ConcurrentPublication publication = client.aeron().addPublication(channel, 7)) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (!publication.isConnected()) {
                    assertTrue(System.nanoTime() < deadline, "publication never connected");
                    Thread.sleep(5);
                }
                byte[] message = "averaged".getBytes(StandardCharsets.UTF_8);
                UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
                buffer.putBytes(0, message);
                while (publication.offer(buffer, 0, message.length) < 0) {
                    assertTrue(System.nanoTime() < deadline, "offer kept failing");
                    Thread.sleep(1);
                }
                AtomicReference<String> received = new AtomicReference<>();
                while (received.get() == null) {
                    subscription.poll((b, offset, length, header) ->
                            received.set(b.getStringWithoutLengthUtf8(offset, length)), 1);
                    assertTrue(System.nanoTime() < deadline, "nothing received");
                    Thread.sleep(1);
                }
                assertEquals("averaged", received.get());
            }
        }
        assertFalse(Files.exists(serverDir), "server directory removed on close");
        assertFalse(Files.exists(clientDir), "client directory removed on close");
    }

    private static int freeUdpPort() throws Exception {
        try (java.net.DatagramSocket socket = new java.net.DatagramSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
