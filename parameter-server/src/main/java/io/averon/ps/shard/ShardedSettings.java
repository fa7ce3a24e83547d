package io.averon.ps.shard;

import io.averon.ps.round.RoundSettings;
import io.averon.ps.transport.Ports;

/**
 * One worker's settings for sharded averaging, validated on construction. Build with
 * {@link #builder()}.
 *
 * @param layout           how the vector is split among the workers (one shard each)
 * @param self             this worker's id, which is also the shard it owns
 * @param attempt          the task attempt
 * @param host             the address this worker binds and the others reach it on
 * @param jobName          the job's name; shard {@code r}'s owner runs job {@code jobName#r}
 * @param secret           the per-job key, &gt;= 32 bytes
 * @param configHash       SHA-256 of the model configuration (32 bytes)
 * @param rounds           the rounds every owner runs: all workers expected, and all needed (a
 *                         quorum below that would let owners close a round with different workers)
 * @param mtuBytes         Aeron MTU (every message is one frame)
 * @param termLength       term length of every stream
 * @param connectTimeoutMs how long joining the owners may take
 * @param runId            the training run
 * @param resume           whether the run resumes
 * @param compression      how deltas are pushed to the owners (float32, or compressed with error feedback)
 */
public record ShardedSettings(ShardLayout layout, int self, int attempt, String host, String jobName, byte[] secret,
                              byte[] configHash, RoundSettings rounds, int mtuBytes, int termLength,
                              long connectTimeoutMs, long runId, boolean resume,
                              io.averon.ps.protocol.Encoding compression) {

    public ShardedSettings {
        if (layout == null || rounds == null || host == null || jobName == null || secret == null || configHash == null
                || compression == null) {
            throw new IllegalArgumentException("layout, rounds, host, job name, secret, config hash and compression are"
                    + " required");
        }
        if (self < 0 || self >= layout.shards()) {
            throw new IllegalArgumentException("worker " + self + " is not one of the " + layout.shards() + " workers");
        }
        if (rounds.expectedWorkers() != layout.shards() || rounds.quorum() != layout.shards()) {
            throw new IllegalArgumentException("sharded averaging expects all " + layout.shards() + " workers in every"
                    + " round (quorum " + layout.shards() + "), got " + rounds.expectedWorkers() + " expected, quorum "
                    + rounds.quorum());
        }
        Ports.checkMtu(mtuBytes, termLength);
        secret = secret.clone();
        configHash = configHash.clone();
    }

    /** The job name of shard {@code r}'s owner. */
    public String shardJob(int r) {
        return jobName + "#" + r;
    }

    @Override
    public String toString() { // never print the secret
        return "ShardedSettings[" + layout + ", self=" + self + ", attempt=" + attempt + ", host=" + host + ", job="
                + jobName + ", rounds=" + rounds + ", mtu=" + mtuBytes + ", termLength=" + termLength + "]";
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Collects settings; {@link #build()} validates them. Defaults: 8 KiB MTU and Averon's term, 30 s connect. */
    public static final class Builder {
        private ShardLayout layout;
        private int self;
        private int attempt;
        private String host = "127.0.0.1";
        private String jobName;
        private byte[] secret;
        private byte[] configHash;
        private RoundSettings rounds;
        private int mtuBytes = Ports.DEFAULT_MTU_BYTES;
        private int termLength = Ports.DEFAULT_TERM_LENGTH;
        private long connectTimeoutMs = 30_000;
        private long runId;
        private boolean resume;
        private io.averon.ps.protocol.Encoding compression = io.averon.ps.protocol.Encoding.FLOAT32;

        public Builder layout(ShardLayout value) {
            layout = value;
            return this;
        }

        public Builder worker(int id, int taskAttempt) {
            self = id;
            attempt = taskAttempt;
            return this;
        }

        public Builder host(String value) {
            host = value;
            return this;
        }

        public Builder job(String name, byte[] jobSecret) {
            jobName = name;
            secret = jobSecret;
            return this;
        }

        public Builder configHash(byte[] value) {
            configHash = value;
            return this;
        }

        public Builder rounds(RoundSettings value) {
            rounds = value;
            return this;
        }

        public Builder mtu(int mtu, int term) {
            mtuBytes = mtu;
            termLength = term;
            return this;
        }

        public Builder connectTimeoutMs(long value) {
            connectTimeoutMs = value;
            return this;
        }

        public Builder run(long id, boolean resumes) {
            runId = id;
            resume = resumes;
            return this;
        }

        public Builder compression(io.averon.ps.protocol.Encoding value) {
            compression = value;
            return this;
        }

        public ShardedSettings build() {
            return new ShardedSettings(layout, self, attempt, host, jobName, secret, configHash, rounds, mtuBytes,
                    termLength, connectTimeoutMs, runId, resume, compression);
        }
    }
}
