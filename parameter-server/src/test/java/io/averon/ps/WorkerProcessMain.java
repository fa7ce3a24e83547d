package io.averon.ps;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * A worker in its own JVM, for {@link ParameterServerProcessTest}. Arguments: port, worker id,
 * rounds, parameters, secret file, hang-at-round (-1 = never), and optionally the training run id
 * (default 0). Prints {@code ROUND r <sha256>} of
 * each averaged vector, and {@code HANGING r} before hanging (instead of pushing) at that round.
 */
public final class WorkerProcessMain {

    private WorkerProcessMain() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int worker = Integer.parseInt(args[1]);
        int rounds = Integer.parseInt(args[2]);
        int parameters = Integer.parseInt(args[3]);
        byte[] secret = Files.readAllBytes(Path.of(args[4]));
        int hangAt = Integer.parseInt(args[5]);
        long runId = args.length > 6 ? Long.parseLong(args[6]) : 0;
        ClientContext context = ClientContext.builder().server("127.0.0.1", port).job("test-job", secret)
                .worker(worker, 0).model(parameters, 0, PsTestSupport.CONFIG_HASH).mtu(1408, 64 * 1024)
                .heartbeatIntervalMs(300).connectTimeoutMs(30_000).run(runId, false).build();
        try (ParameterServerClient client = ParameterServerClient.connect(context)) {
            long round = client.join() + 1;
            for (int r = 0; r < rounds; r++, round++) {
                if (round == hangAt) {
                    System.out.println("HANGING " + round);
                    System.out.flush();
                    Thread.sleep(Long.MAX_VALUE);
                }
                ParameterServerClient.Averaged result = client.pushAndAwait(round,
                        PsTestSupport.contribution(round, worker, parameters), parameters,
                        PsTestSupport.samples(round, worker), 60_000);
                System.out.println("ROUND " + round + " " + sha256(result.values(), result.count()));
                System.out.flush();
            }
        }
    }

    static String sha256(float[] values, int count) throws Exception {
        ByteBuffer bytes = ByteBuffer.allocate(count * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < count; i++) {
            bytes.putFloat(values[i]);
        }
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes.array()));
    }
}
