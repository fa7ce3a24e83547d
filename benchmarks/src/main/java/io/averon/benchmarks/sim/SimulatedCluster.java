package io.averon.benchmarks.sim;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A running simulated cluster: the Java face of {@code benchmarks/sim/sim-cluster.sh}. {@link #up}
 * creates the hosts' namespaces, {@link #close()} deletes them (and stops what still runs there).
 * Needs root.
 */
public final class SimulatedCluster implements AutoCloseable {

    private static final long SCRIPT_TIMEOUT_MS = 120_000;
    private final Path script;
    private final String prefix;
    private final int hosts;

    private SimulatedCluster(Path script, String prefix, int hosts) {
        this.script = script;
        this.prefix = prefix;
        this.hosts = hosts;
    }

    /**
     * Creates {@code hosts} hosts whose links run at {@code rateMbit} each way, {@code lossPct}
     * percent of every host's datagrams dropped each way; {@code prefix} names the namespaces
     * ([a-z0-9-], at most 24 characters, unique on this machine).
     */
    public static SimulatedCluster up(Path script, String prefix, int hosts, int rateMbit, int lossPct) {
        SimulatedCluster cluster = new SimulatedCluster(script, prefix, hosts);
        cluster.script("up", Integer.toString(hosts), Integer.toString(rateMbit), Integer.toString(lossPct));
        return cluster;
    }

    public int hosts() {
        return hosts;
    }

    /** Host {@code host}'s address (198.18.0.&lt;host + 1&gt;, as the script assigns it). */
    public String address(int host) {
        return "198.18.0." + (host + 1);
    }

    /** Starts {@code command} inside host {@code host}'s namespace, its output to {@code log}. */
    public Process start(int host, List<String> command, Path log) {
        List<String> full = new ArrayList<>(List.of(script.toString(), "exec", Integer.toString(host)));
        full.addAll(command);
        ProcessBuilder builder = new ProcessBuilder(full).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("AVSIM_PREFIX", prefix);
        try {
            return builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command + " on host " + host, e);
        }
    }

    /** Drops {@code pct} percent of host {@code host}'s datagrams, both directions (0 = none). */
    public void loss(int host, int pct) {
        script("loss", Integer.toString(host), Integer.toString(pct));
    }

    /**
     * Drops {@code pct} percent of what host {@code host} sends that is control, not data: UDP
     * datagrams under 100 bytes (Aeron's status messages, NAKs and heartbeats); 0 = none.
     */
    public void controlLoss(int host, int pct) {
        script("control-loss", Integer.toString(host), Integer.toString(pct));
    }

    /** Re-rates host {@code host}'s link to {@code rateMbit}, both directions. */
    public void rate(int host, int rateMbit) {
        script("rate", Integer.toString(host), Integer.toString(rateMbit));
    }

    /**
     * Sets the MTU of host {@code host}'s link, both ends (the cluster's links start at 9,000: jumbo
     * frames); larger frames towards the host are dropped silently at the bridge ({@code oversize_in}).
     */
    public void mtu(int host, int bytes) {
        script("mtu", Integer.toString(host), Integer.toString(bytes));
    }

    /** Cuts host {@code host} off (or reconnects it). */
    public void partition(int host, boolean on) {
        script("partition", Integer.toString(host), on ? "on" : "off");
    }

    /**
     * Host {@code host}'s counters by name: {@code lost_in}, {@code lost_out}, {@code cut_in},
     * {@code cut_out}, {@code ctl_out} (nftables: packets, bytes dropped), {@code ctl_sent} (small datagrams
     * sent while control loss is on), {@code tbf_out}, {@code tbf_in} (packets
     * the rate limiter dropped, bytes it sent), {@code oversize_in} (frames towards the host longer than its
     * link's MTU, which the bridge dropped: packets, bytes), {@code frag_creates}, {@code reasm_oks} (0, IP fragments the
     * host made, datagrams it reassembled), {@code link_mtu} (0, bytes), {@code link_tx}, {@code link_rx} (0, bytes).
     */
    public Map<String, long[]> counters(int host) {
        Map<String, long[]> counters = new LinkedHashMap<>();
        for (String line : script("counters", Integer.toString(host)).split("\n")) {
            String[] fields = line.trim().split(" ");
            if (fields.length == 3) {
                counters.put(fields[0], new long[] {Long.parseLong(fields[1]), Long.parseLong(fields[2])});
            }
        }
        return counters;
    }

    /** Stops what still runs in the hosts and deletes every namespace of this cluster. */
    @Override
    public void close() {
        script("down");
    }

    private String script(String... args) {
        List<String> command = new ArrayList<>(List.of(script.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("AVSIM_PREFIX", prefix);
        try {
            Process process = builder.start();
            process.getOutputStream().close();
            byte[] output = process.getInputStream().readAllBytes(); // the script's own steps are bounded
            if (!process.waitFor(SCRIPT_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("sim-cluster.sh " + String.join(" ", args) + " took over "
                        + SCRIPT_TIMEOUT_MS + " ms");
            }
            String text = new String(output, StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                throw new IllegalStateException("sim-cluster.sh " + String.join(" ", args) + " failed ("
                        + process.exitValue() + "): " + text.trim());
            }
            return text;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running sim-cluster.sh", e);
        }
    }
}
