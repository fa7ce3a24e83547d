/**
 * The simulated multi-host cluster (issue 16, item 4): the real averaging code (parameter server
 * or sharded) run by one JVM per simulated host, each in a network namespace built by
 * {@code benchmarks/sim/sim-cluster.sh} (rate-limited veth links on a bridge, optional nftables
 * loss), with synthetic contributions instead of training so that the network, not the CPU, is
 * what is measured.
 *
 * <p>{@link io.averon.benchmarks.sim.SimulatedCluster} drives the script,
 * {@link io.averon.benchmarks.sim.SimulatedRun} starts the host JVMs
 * ({@link io.averon.benchmarks.sim.SimWorkerMain}, {@link io.averon.benchmarks.sim.SimServerMain})
 * and collects a {@link io.averon.benchmarks.sim.RunResult};
 * {@link io.averon.benchmarks.sim.ScaleOutBenchmark} sweeps workers and sizes. The JVMs meet
 * through files in a shared directory ({@link io.averon.benchmarks.sim.Rendezvous}), since every
 * namespace sees the same file system, and every worker checks every round's averaged vector
 * against {@link io.averon.benchmarks.sim.SyntheticContributions}.
 */
package io.averon.benchmarks.sim;
