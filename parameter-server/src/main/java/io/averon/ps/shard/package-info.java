/**
 * Sharded averaging: the workers average among themselves, each owning one range of the vector
 * ({@link io.averon.ps.shard.ShardLayout}) and serving it with a parameter server of its own
 * ({@link io.averon.ps.shard.ShardOwner}); a worker's {@link io.averon.ps.shard.ShardedClient}
 * pushes each range to its owner and gathers the averaged ranges (reduce-scatter, all-gather).
 */
package io.averon.ps.shard;
