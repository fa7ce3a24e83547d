package io.averon.driver.training;

import io.averon.core.InvalidInputException;
import io.averon.core.settings.Setting;
import io.averon.core.settings.SettingValues;
import io.averon.core.train.TrainingConfig;

import java.util.List;

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
                                  Compression compression, SyncPolicy sync,
                                  boolean hierarchical) {

    public static final Setting<Integer> WORKERS = Setting.of("workers", Integer.class, 0,
            "spark: training tasks, one shard each (0: every task slot, capped by the data).")
            .requiring(v -> v >= 0, "must be >= 1 (or 0 for all task slots)");
    public static final Setting<AveragingMode> AVERAGING = Setting.of("averaging", AveragingMode.class,
            AveragingMode.SERVER, "spark: who averages each round: server (one parameter server) or sharded (the "
                    + "workers, each owning a range: traffic per worker flat in the number of workers).");
    public static final Setting<Boolean> HIERARCHICAL = Setting.of("hierarchical", Boolean.class, true,
            "spark: tasks that share an executor average among themselves in its memory first, and one of them "
                    + "stands for them all across executors (server: one vector per executor; sharded: one range per "
                    + "executor).");
    public static final Setting<Integer> UPDATER_SYNC_EVERY = Setting.of("updater-sync-every", Integer.class, 1,
            "spark: average the optimiser's state every R rounds and in each epoch's last round (0: the last round "
                    + "only); other rounds carry the parameters alone.").requiring(v -> v >= 0, "must be >= 0");
    public static final Setting<Compression> COMPRESS = Setting.of("compress", Compression.class, Compression.NONE,
            "spark: push the parameters' change since the last average as bfloat16 (half the bytes) or int8 (a "
                    + "quarter), keeping what compression drops for the next round (error feedback); rounds that carry "
                    + "the optimiser's state send it as float32 (see --updater-sync-every).");
    public static final Setting<Boolean> OVERLAP = Setting.of("overlap", Boolean.class, false,
            "spark: average each round while the next round's minibatches train; its result is applied at the next "
                    + "boundary, keeping the progress made meanwhile (each epoch's last round is synchronous).");
    public static final Setting<Boolean> DETERMINISTIC = Setting.of("deterministic", Boolean.class, false,
            "spark: one native thread per task and seeded dropout: bit-identical runs for one seed.");
    public static final Setting<String> PS = Setting.of("ps", String.class, null,
            "spark: an external parameter server (averon ps) at HOST:PORT instead of one in the driver.")
            .requiring(v -> v.matches("[^:\\s]+:\\d{1,5}"), "must look like HOST:PORT");
    public static final Setting<Integer> PS_PORT = Setting.of("ps-port", Integer.class, 0,
            "spark: UDP port of the driver's parameter server; it also uses PORT+1 (0: free ports).")
            .requiring(v -> v >= 0 && v <= 65534, "must be in 1..65534 (0 = any free port)");
    public static final Setting<Integer> REPORT_PORT = Setting.of("report-port", Integer.class, 0,
            "spark: UDP port on which the driver hears workers' reports; it also uses PORT+1 (0: free ports).")
            .requiring(v -> v >= 0 && v <= 65534, "must be in 1..65534 (0 = any free port)");
    public static final Setting<Long> ROUND_TIMEOUT_MS = Setting.of("round-timeout-ms", Long.class,
            io.averon.ps.round.RoundSettings.DEFAULT_ROUND_TIMEOUT_MS,
            "spark: how long a round waits, after the first worker's push, for the others (longer when half the "
                    + "first worker's training since the last round is longer).")
            .requiring(v -> v >= 1000, "must be at least 1000 (1 s)");
    public static final Setting<Double> MAX_UPDATE_NORM = Setting.of("max-update-norm", Double.class, 0.0,
            "spark: the driver's parameter server refuses a contribution whose parameters moved further than NORM "
                    + "(L2) from the last average (0 = no bound; values beyond 1e20 are always refused).")
            .requiring(v -> v >= 0 && !Double.isInfinite(v), "must be a finite number >= 0 (0 = no bound)");
    public static final Setting<Integer> MTU = Setting.of("mtu", Integer.class,
            io.averon.ps.transport.Ports.DEFAULT_MTU_BYTES,
            "spark: MTU of the parameter-server and report channels; every message is one frame of it (a multiple of 32, "
                    + "544 or more; where the network drops IP fragments, the path MTU less 28, rounded down: 1472 on "
                    + "1500-byte links; a worker whose frames do not get through names the size that does; an external "
                    + "'averon ps' needs the same).");

    /** The Spark engine's own settings (with {@link AveragingCadence}'s), in the order metrics.json records them. */
    public static final List<Setting<?>> SETTINGS = List.of(WORKERS, AVERAGING, HIERARCHICAL, AveragingCadence.SYNC_EVERY,
            AveragingCadence.SYNC_WARMUP_EPOCHS, UPDATER_SYNC_EVERY, OVERLAP, COMPRESS, DETERMINISTIC,
            AveragingCadence.OUTER_LR, AveragingCadence.OUTER_MOMENTUM, MAX_UPDATE_NORM, PS, PS_PORT, REPORT_PORT,
            ROUND_TIMEOUT_MS, MTU);

    public SparkTrainingConfig {
        if (training == null) {
            throw new IllegalArgumentException("training settings are required");
        }
        WORKERS.validate(workers);
        if (cadence != null && cadence.warmupEpochs() > training.epochs()) {
            throw new InvalidInputException("--sync-warmup-epochs must be at most --epochs (" + training.epochs()
                    + "), got " + cadence.warmupEpochs());
        }
        PS.validate(parameterServer);
        if (parameterServer != null) {
            int port = Integer.parseInt(parameterServer.substring(parameterServer.lastIndexOf(':') + 1));
            if (port < 1 || port > 65534) {
                throw new InvalidInputException("--ps " + parameterServer + ": the port must be in 1..65534 (the "
                        + "server also uses port + 1), got " + port);
            }
        }
        PS_PORT.validate(serverPort);
        REPORT_PORT.validate(reportPort);
        ROUND_TIMEOUT_MS.validate(roundTimeoutMs);
        UPDATER_SYNC_EVERY.validate(sync.updaterSyncEvery());
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
        MAX_UPDATE_NORM.validate(maxUpdateNorm);
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
        AveragingCadence used = cadenceFor(workers);
        SettingValues values = new SettingValues().put(WORKERS, workers).put(AVERAGING, averaging)
                .put(HIERARCHICAL, hierarchical).put(AveragingCadence.SYNC_EVERY, used.syncEvery())
                .put(AveragingCadence.SYNC_WARMUP_EPOCHS, used.warmupEpochs())
                .putRecorded(MANY_WORKERS_DEFAULT_KEY, usesManyWorkersDefault(workers))
                .put(UPDATER_SYNC_EVERY, sync.updaterSyncEvery()).put(OVERLAP, sync.overlap())
                .put(COMPRESS, compression).put(DETERMINISTIC, deterministic);
        if (parameterServer == null) {
            values.put(AveragingCadence.OUTER_LR, used.outerLearningRate())
                    .put(AveragingCadence.OUTER_MOMENTUM, used.outerMomentum()).put(MAX_UPDATE_NORM, maxUpdateNorm);
        }
        return values.toMap();
    }

    /** Recorded beside the cadence: true when no cadence was given and the worker count chose the many-workers recipe. */
    private static final String MANY_WORKERS_DEFAULT_KEY = "many_workers_default";

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
        // the averaging settings: null = not given (AveragingCadence.given)
        private Integer syncEvery;
        private Integer warmupEpochs;
        private Double outerLearningRate;
        private Double outerMomentum;
        private String parameterServer;
        private String driverHost;
        private int workers = WORKERS.defaultValue();
        private long roundTimeoutMs = ROUND_TIMEOUT_MS.defaultValue();
        private long heartbeatTimeoutMs = io.averon.ps.round.RoundSettings.DEFAULT_HEARTBEAT_TIMEOUT_MS;
        private long connectTimeoutMs = 60_000;
        private int serverPort = PS_PORT.defaultValue();
        private int reportPort = REPORT_PORT.defaultValue();
        private int threadsPerTask;
        private boolean deterministic = DETERMINISTIC.defaultValue();
        private double maxUpdateNorm = MAX_UPDATE_NORM.defaultValue();
        private int mtuBytes = MTU.defaultValue();
        private AveragingMode averaging = AVERAGING.defaultValue();
        private int updaterSyncEvery = UPDATER_SYNC_EVERY.defaultValue();
        private boolean overlap = OVERLAP.defaultValue();
        private boolean hierarchical = HIERARCHICAL.defaultValue();
        private Compression compression = COMPRESS.defaultValue();

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

        /** Default: none (float32). */
        public Builder compression(Compression value) {
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
