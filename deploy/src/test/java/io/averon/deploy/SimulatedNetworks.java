package io.averon.deploy;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What the simulated-network tests need from this machine: root (they create network namespaces),
 * iproute2 and nftables; a test is skipped, saying why, when one is missing.
 */
final class SimulatedNetworks {

    private SimulatedNetworks() {
    }

    /** {@code benchmarks/sim/sim-cluster.sh}, after assuming what it needs (the test is skipped otherwise). */
    static Path scriptOrSkip(String test) throws Exception {
        assumeTrue(Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid")),
                test + " creates network namespaces and needs root: skipped");
        assumeTrue(onPath("ip") && onPath("tc") && onPath("nft"),
                test + " needs ip and tc (Debian package iproute2) and nft (nftables) on the PATH: skipped");
        return Path.of(System.getProperty("averon.root"), "benchmarks", "sim", "sim-cluster.sh");
    }

    private static boolean onPath(String command) {
        String path = System.getenv().getOrDefault("PATH", "") + File.pathSeparator + "/usr/sbin" + File.pathSeparator
                + "/sbin";
        for (String entry : path.split(File.pathSeparator)) {
            if (!entry.isEmpty() && Files.isExecutable(Path.of(entry, command))) {
                return true;
            }
        }
        return false;
    }
}
