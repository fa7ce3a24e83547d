package io.averon.ps;

import io.averon.ps.round.RoundSettings;

import java.nio.file.Path;

/**
 * Settings of a {@link ParameterServer}, validated on construction (before any socket opens).
 * Build with {@link #builder()}.
 *
 * @param bindHost          the only interface the server binds (its UDP endpoint and MDC control port)
 * @param port              worker → server port; {@code port + 1} is the averaged-parameters control port
 * @param jobName           the job's name (the job id is derived from it)
 * @param secret            the per-job key, &gt;= 32 bytes
 * @param parameterCount    floats in the registered model's parameter vector
 * @param updaterStateCount floats of optimiser state workers may send after the parameters
 * @param configHash        SHA-256 of the registered model configuration
 * @param rounds            round, liveness and averaging settings
 * @param stateDirectory    where the averaged parameters are persisted after each round (null = not persisted)
 * @param aeronDirectory    an external media driver's directory, or null for an embedded one
 * @param chunkBytes        payload bytes per message
 * @param termLength        term length of the server's publication
 * @param sendTimeoutMs     deadline for sending one round's averaged parameters
 */
public record ServerContext(String bindHost, int port, String jobName, byte[] secret, long parameterCount,
                            long updaterStateCount, byte[] configHash, RoundSettings rounds, Path stateDirectory,
                            String aeronDirectory, int chunkBytes, int termLength, long sendTimeoutMs) {

    public ServerContext {
        if (bindHost == null || bindHost.isBlank()) {
            throw new IllegalArgumentException("bind host is required");
        }
        if (port < 1 || port > 65534) {
            throw new IllegalArgumentException("port must be 1..65534 (port + 1 is used too), got " + port);
        }
        if (jobName == null || jobName.isBlank()) {
            throw new IllegalArgumentException("job name is required");
        }
        if (secret == null || secret.length < 32) {
            throw new IllegalArgumentException("the job secret must be at least 32 bytes");
        }
        if (parameterCount < 1 || updaterStateCount < 0 || parameterCount + updaterStateCount > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("parameter count " + parameterCount + " / updater state "
                    + updaterStateCount + " out of range");
        }
        if (configHash == null || configHash.length != 32) {
            throw new IllegalArgumentException("config hash must be 32 bytes (SHA-256)");
        }
        if (rounds == null) {
            throw new IllegalArgumentException("round settings are required");
        }
        if (chunkBytes < 1024 || Integer.bitCount(termLength) != 1 || chunkBytes + 128 > termLength / 8) {
            throw new IllegalArgumentException("chunk of " + chunkBytes + " bytes does not fit term length " + termLength
                    + " (Aeron's max message is term / 8)");
        }
        if (sendTimeoutMs < 1) {
            throw new IllegalArgumentException("send timeout must be positive");
        }
        secret = secret.clone();
        configHash = configHash.clone();
    }

    /** Floats in a full contribution (parameters + updater state). */
    public int vectorLength() {
        return (int) (parameterCount + updaterStateCount);
    }

    @Override
    public String toString() { // never print the secret
        return "ServerContext[bind=" + bindHost + ":" + port + ", job=" + jobName + ", parameters=" + parameterCount
                + ", updaterState=" + updaterStateCount + ", rounds=" + rounds + ", stateDirectory=" + stateDirectory
                + ", aeronDirectory=" + aeronDirectory + ", chunkBytes=" + chunkBytes + ", termLength=" + termLength + "]";
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builder with defaults: 1 MiB chunks, 16 MiB terms, 60 s send timeout, embedded driver, no state directory. */
    public static final class Builder {
        private String bindHost = "127.0.0.1";
        private int port;
        private String jobName;
        private byte[] secret;
        private long parameterCount;
        private long updaterStateCount;
        private byte[] configHash;
        private RoundSettings rounds;
        private Path stateDirectory;
        private String aeronDirectory;
        private int chunkBytes = 1 << 20;
        private int termLength = 16 << 20;
        private long sendTimeoutMs = 60_000;

        public Builder bind(String host, int bindPort) {
            bindHost = host;
            port = bindPort;
            return this;
        }

        public Builder job(String name, byte[] jobSecret) {
            jobName = name;
            secret = jobSecret;
            return this;
        }

        public Builder model(long parameters, long updaterState, byte[] hash) {
            parameterCount = parameters;
            updaterStateCount = updaterState;
            configHash = hash;
            return this;
        }

        public Builder rounds(RoundSettings value) {
            rounds = value;
            return this;
        }

        public Builder stateDirectory(Path value) {
            stateDirectory = value;
            return this;
        }

        public Builder aeronDirectory(String value) {
            aeronDirectory = value;
            return this;
        }

        public Builder chunking(int chunk, int term) {
            chunkBytes = chunk;
            termLength = term;
            return this;
        }

        public Builder sendTimeoutMs(long value) {
            sendTimeoutMs = value;
            return this;
        }

        public ServerContext build() {
            return new ServerContext(bindHost, port, jobName, secret, parameterCount, updaterStateCount, configHash,
                    rounds, stateDirectory, aeronDirectory, chunkBytes, termLength, sendTimeoutMs);
        }
    }
}
