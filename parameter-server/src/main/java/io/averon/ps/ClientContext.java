package io.averon.ps;

/**
 * Settings of one worker's {@link ParameterServerClient}, validated on construction. Build with
 * {@link #builder()}.
 *
 * @param serverHost        the parameter server's host (its UDP endpoint)
 * @param serverPort        the server's port (its Aeron endpoint); its HELLO port is port + 1
 * @param localHost         this worker's interface for receiving (the address the server can reach)
 * @param jobName           the job's name (both sides derive the job id from it)
 * @param secret            the per-job key, &gt;= 32 bytes (from a file or Spark; never argv)
 * @param workerId          0..65535, unique per worker in the job
 * @param attempt           the task attempt (a relaunched task uses a higher one)
 * @param parameterCount    floats in the model's parameter vector
 * @param updaterStateCount floats of optimiser state the worker may send after the parameters (0 = none)
 * @param configHash        SHA-256 of the model configuration (32 bytes)
 * @param aeronDirectory    an external media driver's directory, or null for an embedded driver
 * @param mtuBytes          Aeron MTU of the publication: every message fits one frame of it
 * @param termLength        Aeron term length of this worker's publication (max message = term / 8)
 * @param heartbeatIntervalMs how often the background heartbeat is sent
 * @param connectTimeoutMs  how long join waits for a connection and the server's answer
 * @param runId             the training run this worker belongs to (its driver's random id): a
 *                          server that served another run starts over for a new one
 * @param resume            whether the run resumes: a new run then continues the server's rounds
 * @param compression       how deltas are pushed ({@link io.averon.ps.protocol.Encoding}): float32, or
 *                          compressed with error feedback; full values always go as float32
 * @param tasks             training tasks this worker's contributions stand for: 1, or the size of
 *                          the hierarchical group it leads ({@link io.averon.ps.group.TaskGroup})
 */
public record ClientContext(String serverHost, int serverPort, String localHost, String jobName, byte[] secret,
                            int workerId, int attempt, long parameterCount, long updaterStateCount, byte[] configHash,
                            String aeronDirectory, int mtuBytes, int termLength, long heartbeatIntervalMs,
                            long connectTimeoutMs, long runId, boolean resume,
                            io.averon.ps.protocol.Encoding compression, int tasks) {

    public ClientContext {
        if (serverHost == null || serverHost.isBlank() || localHost == null || localHost.isBlank()) {
            throw new IllegalArgumentException("server and local hosts are required");
        }
        if (serverPort < 1 || serverPort > 65534) {
            throw new IllegalArgumentException("server port must be 1..65534 (port + 1 is used too), got " + serverPort);
        }
        if (workerId < 0 || workerId > 65_535) {
            throw new IllegalArgumentException("worker id must be 0..65535, got " + workerId);
        }
        if (parameterCount < 1 || updaterStateCount < 0 || parameterCount + updaterStateCount > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("parameter count " + parameterCount + " / updater state "
                    + updaterStateCount + " out of range");
        }
        if (configHash == null || configHash.length != 32) {
            throw new IllegalArgumentException("config hash must be 32 bytes (SHA-256)");
        }
        if (secret == null || secret.length < 32) {
            throw new IllegalArgumentException("the job secret must be at least 32 bytes");
        }
        io.averon.ps.transport.Ports.checkMtu(mtuBytes, termLength);
        if (heartbeatIntervalMs < 1 || connectTimeoutMs < 1) {
            throw new IllegalArgumentException("heartbeat interval and connect timeout must be positive");
        }
        if (tasks < 1) {
            throw new IllegalArgumentException("a worker stands for at least 1 task, got " + tasks);
        }
        if (compression == null) {
            throw new IllegalArgumentException("compression must be given (Encoding.FLOAT32 for none)");
        }
        secret = secret.clone();
        configHash = configHash.clone();
    }

    /** Number of floats a full contribution carries. */
    public int vectorLength() {
        return (int) (parameterCount + updaterStateCount);
    }

    @Override
    public String toString() { // never print the secret
        return "ClientContext[server=" + serverHost + ":" + serverPort + ", local=" + localHost + ", job=" + jobName
                + ", worker=" + workerId + ", attempt=" + attempt + ", parameters=" + parameterCount
                + ", updaterState=" + updaterStateCount + ", mtu=" + mtuBytes + ", termLength=" + termLength + "]";
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builder with defaults: local host 127.0.0.1, attempt 0, 8 KiB MTU, 1 MiB terms, 1 s heartbeats, 30 s connect. */
    public static final class Builder {
        private String serverHost = "127.0.0.1";
        private int serverPort;
        private String localHost = "127.0.0.1";
        private String jobName;
        private byte[] secret;
        private int workerId;
        private int attempt;
        private long parameterCount;
        private long updaterStateCount;
        private byte[] configHash;
        private String aeronDirectory;
        private int mtuBytes = io.averon.ps.transport.Ports.DEFAULT_MTU_BYTES;
        private int termLength = io.averon.ps.transport.Ports.DEFAULT_TERM_LENGTH;
        private long heartbeatIntervalMs = 1000;
        private long connectTimeoutMs = 30_000;
        private long runId;
        private boolean resume;
        private io.averon.ps.protocol.Encoding compression = io.averon.ps.protocol.Encoding.FLOAT32;
        private int tasks = 1;

        public Builder server(String host, int port) {
            serverHost = host;
            serverPort = port;
            return this;
        }

        public Builder localHost(String value) {
            localHost = value;
            return this;
        }

        public Builder job(String name, byte[] jobSecret) {
            jobName = name;
            secret = jobSecret;
            return this;
        }

        public Builder worker(int id, int taskAttempt) {
            workerId = id;
            attempt = taskAttempt;
            return this;
        }

        public Builder model(long parameters, long updaterState, byte[] hash) {
            parameterCount = parameters;
            updaterStateCount = updaterState;
            configHash = hash;
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

        public Builder heartbeatIntervalMs(long value) {
            heartbeatIntervalMs = value;
            return this;
        }

        public Builder connectTimeoutMs(long value) {
            connectTimeoutMs = value;
            return this;
        }

        /** How deltas are pushed (default float32: uncompressed). */
        public Builder compression(io.averon.ps.protocol.Encoding value) {
            compression = value;
            return this;
        }

        /** Training tasks this worker stands for (default 1; a hierarchical group's leader: the group's size). */
        public Builder tasks(int value) {
            tasks = value;
            return this;
        }

        /** The training run (default 0) and whether it resumes (default false). */
        public Builder run(long id, boolean resumes) {
            runId = id;
            resume = resumes;
            return this;
        }

        public ClientContext build() {
            return new ClientContext(serverHost, serverPort, localHost, jobName, secret, workerId, attempt,
                    parameterCount, updaterStateCount, configHash, aeronDirectory, mtuBytes, termLength,
                    heartbeatIntervalMs, connectTimeoutMs, runId, resume, compression, tasks);
        }
    }
}
