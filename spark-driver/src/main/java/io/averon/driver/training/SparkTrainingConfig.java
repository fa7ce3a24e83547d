package io.averon.driver.training;

import io.averon.core.InvalidInputException;
import io.averon.core.train.TrainingConfig;

/**
 * A distributed training run's settings, validated on construction (before any Spark job or
 * socket starts). Build with {@link #builder(TrainingConfig)}.
 *
 * @param training          epochs, batch size, seed, updater, shuffling
 * @param workers           training tasks (one shard each); 0 = the cluster's task slots, capped by the data
 * @param cadence           when the workers average and how the average is applied; null = none given:
 *                          once per epoch below {@link AveragingCadence#MANY_WORKERS} workers, else
 *                          {@link AveragingCadence#MANY_WORKERS_RECIPE} ({@link #cadenceFor(int)})
 * @param parameterServer   {@code HOST:PORT} of an external parameter server; null = start one in the driver
 * @param serverPort        UDP port (and port + 1) of the driver's parameter server; 0 = any free pair
 * @param reportPort        UDP port on which the driver receives workers' reports; 0 = any free port
 * @param driverHost        address executors use to reach the driver; null = {@code spark.driver.host}
 * @param roundTimeoutMs    how long a round waits after its first contribution for the others (stretched
 *                          to half the first contributor's training since the last round, when longer);
 *                          dead workers are found sooner by heartbeats
 * @param heartbeatTimeoutMs silence after which the parameter server declares a worker dead
 * @param connectTimeoutMs  longest a worker waits to reach the parameter server and the driver
 * @param threadsPerTask    native (ND4J/OpenMP) threads per task; 0 = {@code spark.task.cpus}
 * @param deterministic     one native thread per task and seeded dropout per worker: same seed, same
 *                          data, same workers give bit-identical parameters
 * @param maxUpdateNorm     the driver's parameter server refuses a contribution whose parameters are
 *                          further than this (L2) from the last global vector; 0 = no bound
 * @param mtuBytes          MTU of every parameter-server and report channel (each message is one frame
 *                          of it); the same on the driver, the workers and an external server
 * @param averaging         who averages each round: the parameter server, or the workers (sharded)
 * @param compression       how workers push each round: float32 values, or their change since the last
 *                          average compressed to bfloat16 or int8 with error feedback
 * @param sync              what each round carries (updater state how often) and whether rounds overlap
 *                          training ({@link SyncPolicy})
 * @param hierarchical      tasks that share an executor average among themselves in its memory first,
 *                          and one of them stands for them all in the rounds across executors (a
 *                          no-op where every executor runs one task)
 */
public record SparkTrainingConfig(TrainingConfig training, int workers, AveragingCadence cadence,
                                  String parameterServer, int serverPort, int reportPort, String driverHost,
                                  long roundTimeoutMs, long heartbeatTimeoutMs, long connectTimeoutMs,
                                  int threadsPerTask, boolean deterministic, double maxUpdateNorm, int mtuBytes,
                                  AveragingMode averaging,
                                  io.averon.ps.protocol.Encoding compression, SyncPolicy sync,
                                  boolean hierarchical) {

    public SparkTrainingConfig {
        if (training == null) {
            throw new IllegalArgumentException("training settings are required");
        }
        if (workers < 0) {
            throw new InvalidInputException("--workers must be >= 1 (or 0 for all task slots), got " + workers);
        }
        if (cadence != null && cadence.warmupEpochs() > training.epochs()) {
            throw new InvalidInputException("--sync-warmup-epochs must be at most --epochs (" + training.epochs()
                    + "), got " + cadence.warmupEpochs());
        }
        if (parameterServer != null && !parameterServer.matches("[^:\\s]+:\\d{1,5}")) {
            throw new InvalidInputException("--ps must look like HOST:PORT, got '" + parameterServer + "'");
        }
        if (parameterServer != null) {
            int port = Integer.parseInt(parameterServer.substring(parameterServer.lastIndexOf(':') + 1));
            if (port < 1 || port > 65534) {
                throw new InvalidInputException("--ps " + parameterServer + ": the port must be in 1..65534 (the "
                        + "server also uses port + 1), got " + port);
            }
        }
        if (serverPort < 0 || serverPort > 65534 || reportPort < 0 || reportPort > 65534) {
            throw new InvalidInputException("ports must be in 1..65534 (0 = any free port)");
        }
        if (roundTimeoutMs < 1000 || heartbeatTimeoutMs < 1000 || connectTimeoutMs < 1000) {
            throw new InvalidInputException("round, heartbeat and connect timeouts must be at least 1 s");
        }
        if (heartbeatTimeoutMs >= roundTimeoutMs) {
            throw new InvalidInputException("the heartbeat timeout (" + heartbeatTimeoutMs
                    + " ms) must be shorter than the round timeout (" + roundTimeoutMs + " ms)");
        }
        if (threadsPerTask < 0) {
            throw new InvalidInputException("--threads must be >= 1, got " + threadsPerTask);
        }
        if (!(maxUpdateNorm >= 0) || Double.isInfinite(maxUpdateNorm)) {
            throw new InvalidInputException("--max-update-norm must be a finite number >= 0 (0 = no bound), got "
                    + maxUpdateNorm);
        }
        try {
            io.averon.ps.transport.Ports.checkMtu(mtuBytes, io.averon.ps.transport.Ports.DEFAULT_TERM_LENGTH);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("--mtu: " + e.getMessage());
        }
        if (averaging == null || sync == null || compression == null) {
            throw new IllegalArgumentException("an averaging mode, a compression and a sync policy are required");
        }
        if (averaging == AveragingMode.SHARDED && (parameterServer != null || serverPort != 0)) {
            throw new InvalidInputException("--averaging sharded: the workers average among themselves, so there is no"
                    + " parameter server; drop --ps / --ps-port");
        }
        if (parameterServer != null && maxUpdateNorm > 0) {
            throw new InvalidInputException("--max-update-norm configures the driver's parameter server; with --ps give"
                    + " it to 'averon ps' instead");
        }
        if (parameterServer != null && cadence != null && !cadence.plainAveraging()) {
            throw new InvalidInputException("--outer-lr / --outer-momentum configure the driver's parameter server; "
                    + "with --ps give them to 'averon ps' instead");
        }
    }

    /**
     * The cadence of a run of {@code workers} workers: the one given, else
     * {@link AveragingCadence#defaultFor(int)}. An external parameter server (--ps) applies its own
     * outer optimizer, so there the default averages plainly.
     */
    public AveragingCadence cadenceFor(int workers) {
        if (cadence != null) {
            return cadence;
        }
        AveragingCadence chosen = AveragingCadence.defaultFor(workers);
        return parameterServer == null ? chosen : chosen.withPlainAveraging();
    }

    /** Whether a run of {@code workers} workers follows the many-workers recipe because it was given no cadence. */
    public boolean usesManyWorkersDefault(int workers) {
        return cadence == null && workers >= AveragingCadence.MANY_WORKERS;
    }

    /**
     * The Spark engine's settings of a run of {@code workers} workers, as metrics.json's
     * {@code config} records them: the cadence in use ({@code sync_every}: 0 = once per epoch;
     * {@code many_workers_default}: the worker count chose it), and the driver's parameter server's
     * outer optimizer and update bound (left out with an external server, which applies its own).
     */
    public java.util.Map<String, Object> settings(int workers) {
        java.util.Map<String, Object> c = new java.util.LinkedHashMap<>();
        AveragingCadence used = cadenceFor(workers);
        c.put("workers", workers);
        c.put("averaging", averaging.name().toLowerCase(java.util.Locale.ROOT));
        c.put("hierarchical", hierarchical);
        c.put("sync_every", used.syncEvery());
        c.put("sync_warmup_epochs", used.warmupEpochs());
        c.put("many_workers_default", usesManyWorkersDefault(workers));
        c.put("updater_sync_every", sync.updaterSyncEvery());
        c.put("overlap", sync.overlap());
        c.put("compress", compression == io.averon.ps.protocol.Encoding.FLOAT32 ? "none"
                : compression.name().toLowerCase(java.util.Locale.ROOT));
        c.put("deterministic", deterministic);
        if (parameterServer == null) {
            c.put("outer_lr", used.outerLearningRate());
            c.put("outer_momentum", used.outerMomentum());
            c.put("max_update_norm", maxUpdateNorm);
        }
        return c;
    }

    /** The parameter server's host, when external. */
    public String serverHost() {
        return parameterServer == null ? null : parameterServer.substring(0, parameterServer.lastIndexOf(':'));
    }

    /** The external parameter server's port. */
    public int externalServerPort() {
        return parameterServer == null ? 0 : Integer.parseInt(parameterServer.substring(parameterServer.lastIndexOf(':') + 1));
    }

    public static Builder builder(TrainingConfig training) {
        return new Builder(training);
    }

    /**
     * Defaults: all task slots, the averaging cadence by worker count
     * ({@link AveragingCadence#defaultFor(int)}), embedded parameter server, 60 s round wait, 10 s
     * heartbeats, 60 s connect.
     */
    public static final class Builder {
        private final TrainingConfig training;
        private int workers;
        // the averaging settings: null = not given (AveragingCadence.given)
        private Integer syncEvery;
        private Integer warmupEpochs;
        private Double outerLearningRate;
        private Double outerMomentum;
        private String parameterServer;
        private int serverPort;
        private int reportPort;
        private String driverHost;
        private long roundTimeoutMs = io.averon.ps.round.RoundSettings.DEFAULT_ROUND_TIMEOUT_MS;
        private long heartbeatTimeoutMs = io.averon.ps.round.RoundSettings.DEFAULT_HEARTBEAT_TIMEOUT_MS;
        private long connectTimeoutMs = 60_000;
        private int threadsPerTask;
        private boolean deterministic;
        private double maxUpdateNorm;
        private int mtuBytes = io.averon.ps.transport.Ports.DEFAULT_MTU_BYTES;
        private AveragingMode averaging = AveragingMode.SERVER;
        private int updaterSyncEvery = SyncPolicy.EVERY_ROUND.updaterSyncEvery();
        private boolean overlap;
        private boolean hierarchical = true;
        private io.averon.ps.protocol.Encoding compression = io.averon.ps.protocol.Encoding.FLOAT32;

        private Builder(TrainingConfig training) {
            this.training = training;
        }

        public Builder workers(int value) {
            workers = value;
            return this;
        }

        /**
         * Minibatches between rounds (0 = once per epoch). Giving any of the four averaging settings
         * turns off the default by worker count ({@link AveragingCadence#given}).
         */
        public Builder syncEvery(int value) {
            syncEvery = value;
            return this;
        }

        /** The first epochs, in which the workers average after every minibatch (post-local SGD); an averaging setting. */
        public Builder syncWarmupEpochs(int epochs) {
            warmupEpochs = epochs;
            return this;
        }

        public Builder parameterServer(String hostPort) {
            parameterServer = hostPort;
            return this;
        }

        public Builder serverPort(int value) {
            serverPort = value;
            return this;
        }

        public Builder reportPort(int value) {
            reportPort = value;
            return this;
        }

        public Builder driverHost(String value) {
            driverHost = value;
            return this;
        }

        public Builder roundTimeoutMs(long value) {
            roundTimeoutMs = value;
            return this;
        }

        public Builder heartbeatTimeoutMs(long value) {
            heartbeatTimeoutMs = value;
            return this;
        }

        public Builder connectTimeoutMs(long value) {
            connectTimeoutMs = value;
            return this;
        }

        public Builder threadsPerTask(int value) {
            threadsPerTask = value;
            return this;
        }

        public Builder deterministic(boolean value) {
            deterministic = value;
            return this;
        }

        /** Outer learning rate on each round's averaged change (default 1: plain averaging); an averaging setting. */
        public Builder outerLearningRate(double value) {
            outerLearningRate = value;
            return this;
        }

        /** Outer Nesterov momentum on each round's averaged change (default 0: plain averaging); an averaging setting. */
        public Builder outerMomentum(double value) {
            outerMomentum = value;
            return this;
        }

        /** Default 0: no bound on how far one contribution may move the parameters. */
        public Builder maxUpdateNorm(double value) {
            maxUpdateNorm = value;
            return this;
        }

        /** Default 8,192; 1,408 (Aeron's default) where the network drops IP fragments. */
        public Builder mtuBytes(int value) {
            mtuBytes = value;
            return this;
        }

        /** Default: {@link AveragingMode#SERVER}. */
        public Builder averaging(AveragingMode value) {
            averaging = value;
            return this;
        }

        /** Default 1: the updater state is averaged in every round (0: in each epoch's last round only). */
        public Builder updaterSyncEvery(int rounds) {
            updaterSyncEvery = rounds;
            return this;
        }

        /** Default float32 (no compression). */
        public Builder compression(io.averon.ps.protocol.Encoding value) {
            compression = value;
            return this;
        }

        /** Default false: each round's result is awaited before training goes on. */
        public Builder overlap(boolean value) {
            overlap = value;
            return this;
        }

        /** Default true: tasks sharing an executor average among themselves first. */
        public Builder hierarchical(boolean value) {
            hierarchical = value;
            return this;
        }

        public SparkTrainingConfig build() {
            return new SparkTrainingConfig(training, workers,
                    AveragingCadence.given(syncEvery, warmupEpochs, outerLearningRate, outerMomentum), parameterServer,
                    serverPort, reportPort, driverHost, roundTimeoutMs, heartbeatTimeoutMs, connectTimeoutMs,
                    threadsPerTask, deterministic, maxUpdateNorm, mtuBytes, averaging, compression,
                    new SyncPolicy(updaterSyncEvery, overlap), hierarchical);
        }
    }
}
