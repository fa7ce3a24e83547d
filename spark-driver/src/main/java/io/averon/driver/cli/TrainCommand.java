package io.averon.driver.cli;

import io.averon.core.InvalidInputException;
import io.averon.core.data.DataSpec;
import io.averon.core.io.Location;
import io.averon.core.model.LrSchedule;
import io.averon.core.model.ModelSpec;
import io.averon.core.model.Optimizer;
import io.averon.core.model.UpdaterSpec;
import io.averon.core.runtime.NativeRuntime;
import io.averon.core.runtime.NativeSettings;
import io.averon.core.settings.Setting;
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
import io.averon.driver.training.Compression;
import io.averon.driver.training.SparkEngine;
import io.averon.driver.training.JobIdentity;
import io.averon.driver.training.SparkTrainingConfig;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code averon train}: trains a model and writes {@code model.zip}, {@code metrics.json} and {@code report.html} to {@code --out}. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Train a model; writes DIR/model.zip, DIR/metrics.json and DIR/report.html.")
final class TrainCommand implements Callable<Integer>, SettingOptions.Bound {

    /** The options that build a preset's optimiser: a model file carries its own. */
    private static final List<String> OPTIMISER_OPTIONS = List.of("--optimizer", "--lr", "--lr-schedule", "--lr-decay",
            "--lr-step");


    /** Where training runs. */
    enum Engine { LOCAL, SPARK }

    @Spec
    CommandSpec command;

    @Option(names = "--engine", defaultValue = "spark", paramLabel = "spark|local",
            description = "spark: workers in a Spark barrier stage averaged through the parameter server; "
                    + "local: one JVM. Default: ${DEFAULT-VALUE}")
    Engine engine;

    @Option(names = "--master", paramLabel = "URL",
            description = "spark: the Spark master (default: spark-submit's, else local[*])")
    String master;

    @Option(names = "--workers", paramLabel = "N")
    int workers;

    @Option(names = "--sync-every", paramLabel = "K")
    Integer syncEvery;

    @Option(names = "--sync-warmup-epochs", paramLabel = "E")
    Integer syncWarmupEpochs;

    @Option(names = "--averaging", paramLabel = "server|sharded")
    AveragingMode averaging;

    @Option(names = "--updater-sync-every", paramLabel = "R")
    int updaterSyncEvery;

    @Option(names = "--compress", paramLabel = "none|bf16|int8")
    Compression compress;

    @Option(names = "--overlap")
    boolean overlap;

    @Option(names = "--hierarchical", negatable = true, fallbackValue = "true")
    boolean hierarchical;

    @Option(names = "--ps", paramLabel = "HOST:PORT")
    String parameterServer;

    @Option(names = "--job", defaultValue = "averon", description = "spark with --ps: the job name the server was started with")
    String jobName;

    @Option(names = "--secret-file", paramLabel = "FILE", description = "spark with --ps: the job secret (>= 32 bytes)")
    Path secretFile;

    @Option(names = "--ps-port", paramLabel = "PORT")
    int serverPort;

    @Option(names = "--report-port", paramLabel = "PORT")
    int reportPort;

    @Option(names = "--round-timeout-ms")
    long roundTimeoutMs;

    @Option(names = "--outer-momentum")
    Double outerMomentum;

    @Option(names = "--outer-lr")
    Double outerLr;

    @Option(names = "--max-update-norm", paramLabel = "NORM")
    double maxUpdateNorm;

    @Option(names = "--mtu", paramLabel = "BYTES")
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

    @Option(names = "--deterministic")
    boolean deterministic;

    @Option(names = "--shuffle", negatable = true, fallbackValue = "true")
    boolean shuffle;

    @Option(names = "--augment", paramLabel = "crop[:PIXELS],flip")
    String augment;

    @Mixin
    DataOptions data;

    @Option(names = "--model", paramLabel = "linear|logistic|mlp|cnn|FILE.json")
    String model;

    @Option(names = "--epochs")
    int epochs;

    @Option(names = "--batch-size")
    int batchSize;

    @Option(names = "--seed")
    long seed;

    @Option(names = "--optimizer", paramLabel = "adam|sgd|nesterov")
    Optimizer optimizer;

    @Option(names = {"--learning-rate", "--lr"}, paramLabel = "RATE")
    Double learningRate;

    @Option(names = "--lr-schedule", paramLabel = "constant|step|exponential|linear")
    LrSchedule schedule;

    @Option(names = "--lr-decay")
    double lrDecay;

    @Option(names = "--lr-step")
    int lrStep;

    @Option(names = "--early-stopping", paramLabel = "PATIENCE")
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
    public List<Setting<?>> settings() {
        List<Setting<?>> all = new java.util.ArrayList<>(DataSpec.SETTINGS);
        all.add(ModelSpec.MODEL);
        all.addAll(UpdaterSpec.SETTINGS);
        all.addAll(TrainingConfig.SETTINGS);
        all.addAll(SparkTrainingConfig.SETTINGS);
        return all;
    }

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
            JobIdentity identity = jobIdentity();
            // the driver trains nothing: it checks the model against the data and holds the averaged model
            NativeRuntime.configure(new NativeSettings(1, spec.convolutional()));
            try (SparkSessions.Session session = SparkSessions.start("train", master)) {
                SparkSession spark = session.spark();
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
                    .earlyStoppingPatience(patience).shuffle(shuffle)
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
                .updaterSyncEvery(updaterSyncEvery).overlap(overlap).compression(compress)
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
    private JobIdentity jobIdentity() {
        if (parameterServer == null) {
            return null;
        }
        if (secretFile == null) {
            throw new InvalidInputException("--ps needs --secret-file (the secret the server was started with)");
        }
        return new JobIdentity(jobName, PsCommand.readSecret(secretFile, allowSharedSecretFile));
    }

    /** The options only the spark engine takes, in the synopsis' order. */
    private static final List<String> SPARK_ONLY = List.of("--master", "--workers", "--sync-every",
            "--sync-warmup-epochs", "--deterministic", "--updater-sync-every", "--compress", "--overlap",
            "--hierarchical", "--ps", "--averaging", "--outer-momentum", "--outer-lr");

    /** The spark-only options given on the command line (empty when none). */
    private List<String> sparkOnlyOptionsGiven() {
        CommandLine.ParseResult parsed = command.commandLine().getParseResult();
        return SPARK_ONLY.stream().filter(parsed::hasMatchedOption)
                .map(name -> name.equals("--hierarchical") && !hierarchical ? "--no-hierarchical" : name).toList();
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
        try {
            return UpdaterSpec.forModel(spec, optimizer, learningRate, schedule, lrDecay, lrStep, epochs);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(e.getMessage());
        }
    }
}
