package io.averon.benchmarks;

import io.averon.ps.transport.Ports;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Synchronous averaging rounds on loopback against raw Aeron UDP configured for throughput, in the
 * same run. For each averaging mode, size and worker count ({@link LoopbackRounds}), warm-up rounds
 * (for 10 s, at least one), then {@code rounds} alternations of one round of the raw peer doing the
 * same data movement without a protocol ({@link RawAeronPeer}: server mode N pushes in and N results
 * out, sharded mode reduce-scatter and all-gather) and one round of Averon's.
 *
 * <p>A round moves {@code B = 2 x workers x size x 4} bytes over UDP, in both modes: every worker's
 * vector goes to the server (or, range by range, to the range owners, its own included), and the
 * average comes back to every worker. A round's latency runs from the workers' release to the
 * slowest worker's receipt of the average; "vs raw" is the median raw round over the median
 * Averon round (1.0: as fast as raw Aeron), effective GB/s is {@code B /} the median.
 *
 * <p>Usage: {@code RoundLatencyBenchmark [sizes=1000000,10000000,100000000] [workers=2,4,8] [rounds=5]
 * [mtu=8192] [modes=server,sharded]}; the raw peer's setup from the system properties read by
 * {@link RawAeronPeer.Config#fromProperties}. The 100M x 8 cells hold ~7 GB (server) and ~11 GB
 * (sharded) of vectors: give the JVM {@code -Xmx14g}.
 */
public final class RoundLatencyBenchmark {

    /** Each cell warms up with rounds for this long (at least one round). */
    private static final long WARMUP_NS = TimeUnit.SECONDS.toNanos(10);

    private RoundLatencyBenchmark() {
    }

    /** One cell's medians and where its rounds' CPU went. */
    private record Cell(LoopbackRounds.Mode mode, int size, int workers, long bytes, double roundSeconds,
                        double pushSeconds, double rawSeconds, CpuAccount.Usage ours, CpuAccount.Usage raw) {

        double effectiveGBps() {
            return bytes / roundSeconds / 1e9;
        }

        double rawGBps() {
            return bytes / rawSeconds / 1e9;
        }

        double vsRaw() {
            return rawSeconds / roundSeconds;
        }
    }

    public static void main(String[] args) throws Exception {
        int[] sizes = parse(args.length > 0 ? args[0] : "1000000,10000000,100000000");
        int[] workerCounts = parse(args.length > 1 ? args[1] : "2,4,8");
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        int mtu = args.length > 3 && !args[3].isEmpty() ? Integer.parseInt(args[3]) : Ports.DEFAULT_MTU_BYTES;
        LoopbackRounds.Mode[] modes = Arrays.stream((args.length > 4 ? args[4] : "server,sharded").split(","))
                .map(m -> LoopbackRounds.Mode.valueOf(m.trim().toUpperCase(Locale.ROOT)))
                .toArray(LoopbackRounds.Mode[]::new);
        int cores = Runtime.getRuntime().availableProcessors();
        RawAeronPeer peer = new RawAeronPeer(RawAeronPeer.Config.fromProperties(mtu));
        System.out.printf(Locale.ROOT, "%d cores, max heap %d MiB; %d alternations (raw, Averon) per cell%n", cores,
                Runtime.getRuntime().maxMemory() >> 20, rounds);
        System.out.println("Averon: MTU " + mtu + ", terms " + (Ports.DEFAULT_TERM_LENGTH >> 10) + " KiB, media drivers"
                + " as shipped (EmbeddedMediaDriver: threading by cores, backoff idle, 2 MiB socket buffers, Aeron's"
                + " 128 KiB window); server: its own driver + one shared by the workers; sharded: one shared driver");
        System.out.println("raw peer: " + peer.config().describe());
        List<Cell> cells = new ArrayList<>();
        printHeader();
        for (LoopbackRounds.Mode mode : modes) {
            for (int size : sizes) {
                for (int workers : workerCounts) {
                    Cell cell = measure(mode, size, workers, rounds, mtu, peer);
                    cells.add(cell);
                    printRow(cell);
                }
            }
        }
        printCpu(cells);
    }

    private static Cell measure(LoopbackRounds.Mode mode, int size, int workers, int rounds, int mtu, RawAeronPeer peer)
            throws Exception {
        System.gc(); // the previous cell's vectors
        try (LoopbackRounds averaging = LoopbackRounds.start(mode, size, workers, mtu)) {
            long bytes = averaging.bytesPerRound();
            // warm-up: first frames on every stream, first touch of every receive array, and compiled hot
            // loops (in a fresh JVM, rounds run 3-7x slower for its first 5-10 s: the JIT shares the cores)
            long warmUntil = System.nanoTime() + WARMUP_NS;
            do {
                averaging.round();
            } while (System.nanoTime() < warmUntil);
            double[] raw = new double[rounds];
            double[] round = new double[rounds];
            double[] push = new double[rounds];
            CpuAccount.Usage ours = null;
            CpuAccount.Usage rawUsage = null;
            for (int r = 0; r < rounds; r++) {
                RawAeronPeer.Transfer transfer = peer.round(mode, size, workers);
                CpuAccount.Snapshot before = CpuAccount.take();
                LoopbackRounds.Timing timing = averaging.round();
                CpuAccount.Usage used = CpuAccount.Usage.between(before, CpuAccount.take());
                raw[r] = transfer.seconds();
                round[r] = timing.roundNs() / 1e9;
                push[r] = timing.pushNs() / 1e9;
                ours = ours == null ? used : ours.plus(used);
                rawUsage = rawUsage == null ? transfer.usage() : rawUsage.plus(transfer.usage());
            }
            return new Cell(mode, size, workers, bytes, median(round), median(push), median(raw), ours, rawUsage);
        }
    }

    private static void printHeader() {
        System.out.println();
        System.out.println("| mode | parameters | workers | bytes/round | Averon round (median) | its push (median) |"
                + " raw round (median) | Averon GB/s | raw GB/s | vs raw |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    }

    private static void printRow(Cell c) {
        System.out.printf(Locale.ROOT, "| %s | %,d | %d | %,.0f MB | %.3f s | %.3f s | %.3f s | %.3f | %.3f | %.2f |%n",
                c.mode().name().toLowerCase(Locale.ROOT), c.size(), c.workers(), c.bytes() / 1e6, c.roundSeconds(),
                c.pushSeconds(), c.rawSeconds(), c.effectiveGBps(), c.rawGBps(), c.vsRaw());
        System.out.flush();
    }

    /** Per cell: the machine's busy share during Averon's rounds and the raw runs, and this JVM's CPU by role. */
    private static void printCpu(List<Cell> cells) {
        System.out.println();
        System.out.println("CPU during the timed rounds: the machine's busy share (all processes; the raw peer's"
                + " transfers in brackets), then this JVM's CPU time by role as a share of all cores'"
                + " time");
        StringBuilder header = new StringBuilder("| mode | parameters | workers | machine busy (raw) | this JVM |");
        StringBuilder rule = new StringBuilder("|---|---:|---:|---:|---:|");
        for (String group : CpuAccount.GROUPS) {
            header.append(' ').append(group).append(" |");
            rule.append("---:|");
        }
        System.out.println(header);
        System.out.println(rule);
        int cores = Runtime.getRuntime().availableProcessors();
        for (Cell c : cells) {
            double capacity = (double) c.ours().wallNs() * cores;
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "| %s | %,d | %d | %.0f%% (%.0f%%) | %.0f%% |",
                    c.mode().name().toLowerCase(Locale.ROOT), c.size(), c.workers(), 100 * c.ours().machineBusyShare(),
                    100 * c.raw().machineBusyShare(), 100 * c.ours().jvmNs() / capacity));
            for (Map.Entry<String, Long> group : c.ours().byGroup().entrySet()) {
                row.append(String.format(Locale.ROOT, " %.0f%% |", 100 * group.getValue() / capacity));
            }
            System.out.println(row);
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static int[] parse(String list) {
        return Arrays.stream(list.split(",")).mapToInt(Integer::parseInt).toArray();
    }
}
