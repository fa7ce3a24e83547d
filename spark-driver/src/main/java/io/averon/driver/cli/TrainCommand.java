package io.averon.driver.cli;

import io.averon.core.InvalidInputException;
import io.averon.core.io.Location;
import io.averon.core.model.LrSchedule;
import io.averon.core.model.ModelSpec;
import io.averon.core.model.Optimizer;
import io.averon.core.model.UpdaterSpec;
import io.averon.core.runtime.NativeRuntime;
import io.averon.core.runtime.NativeSettings;
import io.averon.core.train.Augmentation;
import io.averon.core.train.TrainingConfig;
import io.averon.core.train.TrainingListener;
import io.averon.core.train.TrainingResult;
import io.averon.driver.data.TrainingInput;
import io.averon.driver.run.LocalEngine;
import io.averon.driver.run.MetricsFile;
import io.averon.driver.run.ModelSource;
import io.averon.driver.run.RunOutput;
import io.averon.driver.run.Trained;
import io.averon.driver.training.AveragingCadence;
import io.averon.driver.training.AveragingMode;
import io.averon.driver.training.SparkEngine;
import io.averon.driver.training.SparkTrainer;
import io.averon.driver.training.SparkTrainingConfig;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code averon train}: trains a model and writes {@code model.zip}, {@code metrics.json} and {@code report.html} to {@code --out}. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Train a model; writes DIR/model.zip, DIR/metrics.json and DIR/report.html.")
final class TrainCommand implements Callable<Integer> {

    /** The options that build a preset's optimiser: a model file carries its own. */
    private static final List<String> OPTIMISER_OPTIONS = List.of("--optimizer", "--lr", "--lr-schedule", "--lr-decay",
            "--lr-step");


    /** Where training runs. */
    enum Engine { LOCAL, SPARK }

    @Spec
    CommandSpec command;

    @Option(names = "--engine", defaultValue = "spark", converter = EngineConverter.class, paramLabel = "spark|local",
            description = "spark: workers in a Spark barrier stage averaged through the parameter server; "
                    + "local: one JVM. Default: ${DEFAULT-VALUE}")
    Engine engine;

    @Option(names = "--master", paramLabel = "URL",
            description = "spark: the Spark master (default: spark-submit's, else local[*])")
    String master;

    @Option(names = "--workers", defaultValue = "0", paramLabel = "N",
            description = "spark: training tasks, one shard each (default: every task slot, capped by the data)")
    int workers;

    @Option(names = "--sync-every", paramLabel = "K",
            description = "spark: average the replicas every K minibatches; 0 = once per epoch. Default: once per "
                    + "epoch below " + AveragingCadence.MANY_WORKERS + " workers; from " + AveragingCadence.MANY_WORKERS
                    + " on, unless --sync-every, --sync-warmup-epochs, --outer-momentum or --outer-lr is given, the "
                    + "many-workers recipe: --sync-every 8 --outer-momentum 0.9 --outer-lr 0.7")
    Integer syncEvery;

    @Option(names = "--sync-warmup-epochs", paramLabel = "E",
            description = "spark: average after every minibatch in the first E epochs (post-local SGD), then every "
                    + "--sync-every K minibatches (or once per epoch); at most --epochs. Default: 0")
    Integer syncWarmupEpochs;

    @Option(names = "--averaging", defaultValue = "server", converter = AveragingConverter.class,
            paramLabel = "server|sharded",
            description = "spark: who averages each round: server (one parameter server) or sharded (the workers, each "
                    + "owning a range: traffic per worker flat in the number of workers). Default: ${DEFAULT-VALUE}")
    AveragingMode averaging;

    @Option(names = "--updater-sync-every", defaultValue = "1", paramLabel = "R",
            description = "spark: average the optimiser's state every R rounds and in each epoch's last round (0: the "
                    + "last round only); other rounds carry the parameters alone. Default: ${DEFAULT-VALUE}")
    int updaterSyncEvery;

    @Option(names = "--compress", defaultValue = "none", converter = CompressionConverter.class,
            paramLabel = "none|bf16|int8",
            description = "spark: push the parameters' change since the last average as bfloat16 (half the bytes) or "
                    + "int8 (a quarter), keeping what compression drops for the next round (error feedback); rounds "
                    + "that carry the optimiser's state send it as float32 (see --updater-sync-every). "
                    + "Default: ${DEFAULT-VALUE}")
    Compression compress;

    @Option(names = "--overlap", description = "spark: average each round while the next round's minibatches train; "
            + "its result is applied at the next boundary, keeping the progress made meanwhile (each epoch's last round "
            + "is synchronous)")
    boolean overlap;

    @Option(names = "--hierarchical", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "spark: tasks that share an executor average among themselves in its memory first, and "
                    + "one of them stands for them all across executors (server: one vector per executor; sharded: "
                    + "one range per executor). Default: on")
    boolean hierarchical;

    @Option(names = "--ps", paramLabel = "HOST:PORT",
            description = "spark: an external parameter server (averon ps) instead of one in the driver")
    String parameterServer;

    @Option(names = "--job", defaultValue = "averon", description = "spark with --ps: the job name the server was started with")
    String jobName;

    @Option(names = "--secret-file", paramLabel = "FILE", description = "spark with --ps: the job secret (>= 32 bytes)")
    Path secretFile;

    @Option(names = "--ps-port", defaultValue = "0", paramLabel = "PORT",
            description = "spark: UDP port of the driver's parameter server (it also uses PORT+1; default: free ports)")
    int serverPort;

    @Option(names = "--report-port", defaultValue = "0", paramLabel = "PORT",
            description = "spark: UDP port on which the driver hears workers' reports; it also uses PORT+1 (default: free"
                    + " ports)")
    int reportPort;

    @Option(names = "--round-timeout-ms", defaultValue = "" + io.averon.ps.round.RoundSettings.DEFAULT_ROUND_TIMEOUT_MS,
            description = "spark: how long a round waits, after the first worker's push, for the others (longer when "
                    + "half the first worker's training since the last round is longer). Default: ${DEFAULT-VALUE}")
    long roundTimeoutMs;

    @Option(names = "--outer-momentum",
            description = "spark: outer Nesterov momentum on each round's averaged change. Default: 0 (plain "
                    + "averaging), or the many-workers recipe's (see --sync-every)")
    Double outerMomentum;

    @Option(names = "--outer-lr", description = "spark: outer learning rate. Default: 1.0, or the many-workers "
            + "recipe's (see --sync-every)")
    Double outerLr;

    @Option(names = "--max-update-norm", defaultValue = "0", paramLabel = "NORM",
            description = "spark: the driver's parameter server refuses a contribution whose parameters moved further "
                    + "than NORM (L2) from the last average (0 = no bound; values beyond 1e20 are always refused)")
    double maxUpdateNorm;

    @Option(names = "--mtu", defaultValue = "8192", paramLabel = "BYTES",
            description = "spark: MTU of the parameter-server and report channels; every message is one frame of it "
                    + "(1408 where the network drops IP fragments; an external 'averon ps' needs the same). "
                    + "Default: ${DEFAULT-VALUE}")
    int mtu;

    @Option(names = "--resume", description = "Continue the run in --out from its newest valid checkpoint")
    boolean resume;

    @Option(names = "--sign-key", paramLabel = "FILE",
            description = "Sign model.zip and every checkpoint with this Ed25519 private key (PEM, from averon keygen; "
                    + "chmod 600)")
    Path signKey;

    @Option(names = "--verify-key", paramLabel = "FILE",
            description = "With --resume: resume only from a checkpoint signed by this public key (PEM)")
    Path verifyKey;

    @Option(names = "--allow-shared-secret-file",
            description = "spark with --ps: accept a --secret-file readable by group or others")
    boolean allowSharedSecretFile;

    @Option(names = "--deterministic",
            description = "spark: one native thread per task and seeded dropout: bit-identical runs for one seed")
    boolean deterministic;

    @Option(names = "--no-shuffle", description = "Keep the data order in every epoch (default: reshuffle, seeded)")
    boolean noShuffle;

    @Option(names = "--augment", paramLabel = "crop[:PIXELS],flip",
            description = "Random image augmentation of training minibatches (spark: in the executors): crop = random "
                    + "crop with zero padding (default 4 pixels), flip = random horizontal flip. Default: none")
    String augment;

    @Mixin
    DataOptions data;

    @Option(names = "--model", defaultValue = "mlp", paramLabel = "linear|logistic|mlp|cnn|FILE.json",
            description = "A preset or a DL4J MultiLayerNetwork/ComputationGraph configuration JSON. Default: ${DEFAULT-VALUE}")
    String model;

    @Option(names = "--epochs", defaultValue = "5", description = "Default: ${DEFAULT-VALUE}")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "" + TrainingConfig.DEFAULT_BATCH_SIZE,
            description = "Minibatch size; spark: the global minibatch, split evenly among the workers. Default: ${DEFAULT-VALUE}")
    int batchSize;

    @Option(names = "--seed", defaultValue = "42", description = "Seeds weights, shuffling, dropout and splits. Default: ${DEFAULT-VALUE}")
    long seed;

    @Option(names = "--optimizer", defaultValue = "adam", paramLabel = "adam|sgd|nesterov",
            converter = OptimizerConverter.class, description = "Default: ${DEFAULT-VALUE}")
    Optimizer optimizer;

    @Option(names = {"--learning-rate", "--lr"}, paramLabel = "RATE",
            description = "Default: adam 0.001 (cnn, mlp: 0.002), sgd and nesterov 0.01")
    Double learningRate;

    @Option(names = "--lr-schedule", paramLabel = "constant|step|exponential|linear", converter = ScheduleConverter.class,
            description = "Per-epoch schedule. Default: constant (mlp with adam: linear)")
    LrSchedule schedule;

    @Option(names = "--lr-decay", defaultValue = "0.5", description = "Factor for step/exponential. Default: ${DEFAULT-VALUE}")
    double lrDecay;

    @Option(names = "--lr-step", defaultValue = "2", description = "Epochs between step decays. Default: ${DEFAULT-VALUE}")
    int lrStep;

    @Option(names = "--early-stopping", defaultValue = "0", paramLabel = "PATIENCE",
            description = "Stop after this many epochs without a better test metric and keep the best epoch (0 = off)")
    int patience;

    @Mixin
    ThreadsOption threads;

    @Option(names = "--out", paramLabel = "DIR",
            description = "Output directory: a local path or a Hadoop FileSystem URI such as hdfs://nn:8020/runs/a "
                    + "(default: runs/<model>-<time>)")
    String out;

    @Option(names = "--overwrite", description = "Replace --out if it exists")
    boolean overwrite;

    @Option(names = "--progress", negatable = true,
            description = "Progress bars on stderr (default: when stderr is a terminal)")
    Boolean progress;

    @Override
    public Integer call() {
        ModelSpec spec = ModelSpec.parse(model);
        boolean regression = spec.preset() != null && spec.preset().regression();
        TrainingInput input = TrainingInput.of(data.toSpec(regression));
        ModelSource fresh = ModelSource.of(spec, updaterSpec(spec));
        if (verifyKey != null && !resume) {
            throw new InvalidInputException("--verify-key checks the checkpoints --resume continues from; add --resume "
                    + "or drop it");
        }
        List<String> sparkOnly = sparkOnlyOptionsGiven();
        if (engine == Engine.LOCAL && !sparkOnly.isEmpty()) {
            throw new InvalidInputException(String.join(", ", sparkOnly) + (sparkOnly.size() == 1 ? " needs" : " need")
                    + " --engine spark");
        }
        TrainingConfig config = trainingConfig();
        ModelKeys keys = ModelKeys.read(signKey, verifyKey);
        Location outDir = Location.of(out != null ? out : "runs/" + spec.source().replaceAll("[^A-Za-z0-9_.-]", "_")
                + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        RunOutput output = RunOutput.builder(outDir).overwrite(overwrite).resume(resume).signer(keys.signer())
                .readPolicy(keys.readPolicy()).build();
        List<TrainingListener> listeners = List.of(output, CommandLog.keptIn(outDir), progress());
        ModelSource source = output.resumeOr(fresh);
        Trained trained;
        if (engine == Engine.SPARK) {
            SparkTrainingConfig sparkConfig = sparkConfig(config);
            SparkTrainer.JobIdentity identity = jobIdentity();
            // the driver trains nothing: it checks the model against the data and holds the averaged model
            NativeRuntime.configure(new NativeSettings(1, spec.convolutional()));
            try (SparkSession spark = SparkSessions.start("train", master)) {
                trained = new SparkEngine(spark, sparkConfig, identity).fit(input, source, listeners);
            }
        } else {
            NativeRuntime.configure(new NativeSettings(threads.orAllCores(), spec.convolutional()));
            trained = new LocalEngine(config).fit(input, source, listeners);
        }
        return finished(trained.training(), outDir);
    }

    private TrainingConfig trainingConfig() {
        try {
            return TrainingConfig.builder().epochs(epochs).batchSize(batchSize).seed(seed)
                    .earlyStoppingPatience(patience).shuffle(!noShuffle)
                    .augmentation(Augmentation.parse(augment)).build();
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(e.getMessage());
        }
    }

    private SparkTrainingConfig sparkConfig(TrainingConfig config) {
        SparkTrainingConfig.Builder builder = SparkTrainingConfig.builder(config).workers(workers)
                .parameterServer(parameterServer).serverPort(serverPort).reportPort(reportPort)
                .roundTimeoutMs(roundTimeoutMs).threadsPerTask(threads.given())
                .deterministic(deterministic).maxUpdateNorm(maxUpdateNorm).mtuBytes(mtu).averaging(averaging)
                .updaterSyncEvery(updaterSyncEvery).overlap(overlap).compression(compress.encoding())
                .hierarchical(hierarchical);
        // any averaging option given turns off the default by worker count; the others keep their plain values
        if (syncEvery != null) {
            builder.syncEvery(syncEvery);
        }
        if (syncWarmupEpochs != null) {
            builder.syncWarmupEpochs(syncWarmupEpochs);
        }
        if (outerLr != null) {
            builder.outerLearningRate(outerLr);
        }
        if (outerMomentum != null) {
            builder.outerMomentum(outerMomentum);
        }
        return builder.build();
    }

    /** The external parameter server's job, or null with the driver's own server. */
    private SparkTrainer.JobIdentity jobIdentity() {
        if (parameterServer == null) {
            return null;
        }
        if (secretFile == null) {
            throw new InvalidInputException("--ps needs --secret-file (the secret the server was started with)");
        }
        return new SparkTrainer.JobIdentity(jobName, PsCommand.readSecret(secretFile, allowSharedSecretFile));
    }

    /** The options given that only the spark engine takes, in the synopsis' order (empty when none). */
    private List<String> sparkOnlyOptionsGiven() {
        Map<String, Boolean> given = new LinkedHashMap<>();
        given.put("--master", master != null);
        given.put("--workers", workers != 0);
        given.put("--sync-every", syncEvery != null);
        given.put("--sync-warmup-epochs", syncWarmupEpochs != null);
        given.put("--deterministic", deterministic);
        given.put("--updater-sync-every", updaterSyncEvery != 1);
        given.put("--compress", compress != Compression.NONE);
        given.put("--overlap", overlap);
        given.put("--no-hierarchical", !hierarchical);
        given.put("--ps", parameterServer != null);
        given.put("--averaging", averaging != AveragingMode.SERVER);
        given.put("--outer-momentum", outerMomentum != null);
        given.put("--outer-lr", outerLr != null);
        return given.entrySet().stream().filter(Map.Entry::getValue).map(Map.Entry::getKey).toList();
    }

    private ConsoleProgress progress() {
        return new ConsoleProgress(command.commandLine().getOut(), progress != null ? progress : System.console() != null);
    }

    /** Prints the final line naming {@code --out} as given when it is a URI, else as an absolute local path. */
    private int finished(TrainingResult result, Location target) {
        String given = target.toString();
        command.commandLine().getOut().printf(java.util.Locale.ROOT, "final test %s; wrote %s%n",
                MetricsFile.headline(result.finalMetrics()),
                Location.isUri(given) ? given : Path.of(given).toAbsolutePath().normalize());
        return AveronCli.EXIT_OK;
    }

    private UpdaterSpec updaterSpec(ModelSpec spec) {
        if (spec.preset() == null) {
            List<String> given = OPTIMISER_OPTIONS.stream()
                    .filter(name -> command.commandLine().getParseResult().hasMatchedOption(name)).toList();
            if (!given.isEmpty()) {
                throw new InvalidInputException(String.join(", ", given) + " set the optimiser of the built-in models; "
                        + "--model " + model + " carries its own (its \"updater\" in the JSON): set it there");
            }
        }
        double rate = learningRate != null ? learningRate
                : spec.preset() != null ? spec.preset().defaultLearningRate(optimizer)
                : optimizer == Optimizer.ADAM ? 1e-3 : 1e-2;
        try {
            LrSchedule chosen = schedule != null ? schedule
                    : spec.preset() != null ? spec.preset().defaultSchedule(optimizer) : LrSchedule.CONSTANT;
            return new UpdaterSpec(optimizer, rate, chosen, lrDecay, lrStep, Math.max(1, epochs));
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(e.getMessage());
        }
    }

    /** {@code --compress}: the wire encoding of pushed changes. */
    enum Compression {
        NONE(io.averon.ps.protocol.Encoding.FLOAT32), BF16(io.averon.ps.protocol.Encoding.BF16),
        INT8(io.averon.ps.protocol.Encoding.INT8);

        private final io.averon.ps.protocol.Encoding encoding;

        Compression(io.averon.ps.protocol.Encoding encoding) {
            this.encoding = encoding;
        }

        io.averon.ps.protocol.Encoding encoding() {
            return encoding;
        }
    }

    static final class CompressionConverter extends EnumConverter<Compression> {
        CompressionConverter() {
            super(Compression.class);
        }
    }

    static final class AveragingConverter extends EnumConverter<AveragingMode> {
        AveragingConverter() {
            super(AveragingMode.class);
        }
    }

    static final class EngineConverter extends EnumConverter<Engine> {
        EngineConverter() {
            super(Engine.class);
        }
    }

    static final class OptimizerConverter extends EnumConverter<Optimizer> {
        OptimizerConverter() {
            super(Optimizer.class);
        }
    }

    static final class ScheduleConverter extends EnumConverter<LrSchedule> {
        ScheduleConverter() {
            super(LrSchedule.class);
        }
    }
}
