package io.averon.ps;

import io.averon.ps.round.RoundSettings;

import java.nio.file.Path;

/**
 * Settings of a {@link ParameterServer}, validated on construction (before any socket opens).
 * Build with {@link #builder()}.
 *
 * @param bindHost          the only interface the server binds (its Aeron endpoint and HELLO port)
 * @param port              worker → server Aeron port; {@code port + 1} receives workers' HELLO datagrams
 * @param jobName           the job's name (the job id is derived from it)
 * @param secret            the per-job key, &gt;= 32 bytes
 * @param model             the registered model, or null: the first worker's JOIN registers it
 * @param maxVectorLength   with {@code model == null}: the most floats (parameters + updater state)
 *                          a first JOIN may register; buffers are sized from the registration
 * @param rounds            round, liveness and averaging settings
 * @param stateDirectory    where the averaged parameters are persisted after each round (null = not persisted)
 * @param aeronDirectory    an external media driver's directory, or null for an embedded one
 * @param mtuBytes          Aeron MTU of the publication: every message fits one frame of it
 * @param termLength        term length of the server's publication
 * @param initialState      the last closed round and its global vector to start from, kept in memory
 *                          only (the Spark driver's own server; a sharded owner's range of the round
 *                          its workers hold), or null; not with a state directory
 */
public record ServerContext(String bindHost, int port, String jobName, byte[] secret, ModelFingerprint model,
                            long maxVectorLength, RoundSettings rounds, Path stateDirectory,
                            String aeronDirectory, int mtuBytes, int termLength,
                            io.averon.ps.round.RoundStateStore.SavedState initialState) {

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
        if (model == null && (maxVectorLength < 1 || maxVectorLength > Integer.MAX_VALUE - 8)) {
            throw new IllegalArgumentException("without a registered model, the most floats a JOIN may register must be "
                    + "1.." + (Integer.MAX_VALUE - 8) + ", got " + maxVectorLength);
        }
        if (rounds == null) {
            throw new IllegalArgumentException("round settings are required");
        }
        io.averon.ps.transport.Ports.checkMtu(mtuBytes, termLength);
        if (initialState != null && stateDirectory != null) {
            throw new IllegalArgumentException("give an initial state or a state directory to resume from, not both");
        }
        secret = secret.clone();
    }

    @Override
    public String toString() { // never print the secret
        return "ServerContext[bind=" + bindHost + ":" + port + ", job=" + jobName + ", model="
                + (model == null ? "registered by the first JOIN (at most " + maxVectorLength + " floats)" : model)
                + ", rounds=" + rounds + ", stateDirectory=" + stateDirectory
                + ", aeronDirectory=" + aeronDirectory + ", mtu=" + mtuBytes + ", termLength=" + termLength + "]";
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Builder with defaults: 8 KiB MTU, 1 MiB terms, embedded driver, no state
     * directory, model registered by the first JOIN (at most 250M floats) unless {@link #model} is given.
     */
    public static final class Builder {
        private String bindHost = "127.0.0.1";
        private int port;
        private String jobName;
        private byte[] secret;
        private ModelFingerprint model;
        private long maxVectorLength = 250_000_000L;
        private RoundSettings rounds;
        private Path stateDirectory;
        private String aeronDirectory;
        private int mtuBytes = io.averon.ps.transport.Ports.DEFAULT_MTU_BYTES;
        private int termLength = io.averon.ps.transport.Ports.DEFAULT_TERM_LENGTH;
        private io.averon.ps.round.RoundStateStore.SavedState initialState;

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

        /** Registers the model up front (the Spark driver knows it). */
        public Builder model(long parameters, long updaterState, byte[] hash) {
            model = new ModelFingerprint(parameters, updaterState, hash);
            return this;
        }

        /** No model up front: the first JOIN registers one of at most {@code maxFloats} floats. */
        public Builder registerOnFirstJoin(long maxFloats) {
            model = null;
            maxVectorLength = maxFloats;
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

        /** The MTU (every message is one frame of it) and term length of this side's publication. */
        public Builder mtu(int mtu, int term) {
            mtuBytes = mtu;
            termLength = term;
            return this;
        }


        /** Starts after round {@code round} with its global vector {@code values} (not persisted anywhere). */
        public Builder initialState(long round, float[] values) {
            initialState = new io.averon.ps.round.RoundStateStore.SavedState(round, 0, values);
            return this;
        }

        public ServerContext build() {
            return new ServerContext(bindHost, port, jobName, secret, model, maxVectorLength, rounds, stateDirectory,
                    aeronDirectory, mtuBytes, termLength, initialState);
        }
    }
}
