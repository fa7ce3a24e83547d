package io.averon.benchmarks.sim;

/** Who averages in a simulated run. */
public enum AveragingMode {
    /** One {@link io.averon.ps.ParameterServer} on host 0 (its own JVM), the workers on the other hosts. */
    SERVER,
    /** Every worker owns a range ({@link io.averon.ps.shard.ShardOwner} + {@link io.averon.ps.shard.ShardedClient}). */
    SHARDED;

    static AveragingMode parse(String value) {
        return valueOf(value.trim().toUpperCase(java.util.Locale.ROOT));
    }
}
