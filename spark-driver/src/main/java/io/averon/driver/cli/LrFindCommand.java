package io.averon.driver.cli;

import io.averon.core.AveronException;
import io.averon.core.InvalidInputException;
import io.averon.core.data.DataSpec;
import io.averon.core.io.AtomicFiles;
import io.averon.core.io.Location;
import io.averon.core.model.ModelSpec;
import io.averon.core.model.Optimizer;
import io.averon.core.model.UpdaterSpec;
import io.averon.core.runtime.NativeRuntime;
import io.averon.core.runtime.NativeSettings;
import io.averon.core.settings.Setting;
import io.averon.core.train.LrCurve;
import io.averon.core.train.LrCurvePlot;
import io.averon.core.train.LrFinder;
import io.averon.core.train.TrainingConfig;
import io.averon.driver.data.TrainingInput;
import io.averon.driver.run.LocalEngine;
import io.averon.driver.run.LrFindResult;
import io.averon.driver.run.MetricsFile;
import io.averon.driver.run.ModelSource;
import io.averon.driver.training.SparkEngine;
import io.averon.driver.training.SparkTrainingConfig;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code averon lr-find}: the learning-rate range test ({@link LrFinder}) for a model and data set
 * as {@code averon train} would build them; writes {@code lr-find.png} (loss against learning rate,
 * with the suggestion marked) and {@code lr-find.json} to {@code --out} and prints the suggestion.
 */
@Command(name = "lr-find", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Run a short learning-rate range test; writes DIR/lr-find.png and DIR/lr-find.json "
                + "and prints a suggested learning rate.")
final class LrFindCommand implements Callable<Integer>, SettingOptions.Bound {

    private static final Logger LOG = LoggerFactory.getLogger(LrFindCommand.class);
    static final String PLOT = "lr-find.png";
    static final String CURVE = "lr-find.json";

    @Spec
    CommandSpec command;

    @Option(names = "--engine", defaultValue = "spark",
            paramLabel = "spark|local",
            description = "spark: the test runs in N Spark tasks at once, one shard each, and their curves are "
                    + "averaged; local: one JVM. Default: ${DEFAULT-VALUE}")
    TrainCommand.Engine engine;

    @Option(names = "--master", paramLabel = "URL",
            description = "spark: the Spark master (default: spark-submit's, else local[*])")
    String master;

    @Option(names = "--workers", paramLabel = "N")
    int workers;

    @Option(names = "--model", paramLabel = "linear|logistic|mlp|cnn|FILE.json")
    String model;

    @Mixin
    DataOptions data;

    @Option(names = "--batch-size")
    int batchSize;

    @Option(names = "--optimizer", paramLabel = "adam|sgd|nesterov")
    Optimizer optimizer;

    @Option(names = "--seed")
    long seed;

    @Option(names = "--steps")
    int steps;

    @Option(names = "--start-lr", paramLabel = "RATE")
    double startLr;

    @Option(names = "--end-lr", paramLabel = "RATE")
    double endLr;

    @Option(names = "--out", paramLabel = "DIR",
            description = "Output directory: a local path or a Hadoop FileSystem URI (default: runs/lr-find-<model>-<time>)")
    String out;

    @Option(names = "--overwrite", description = "Replace --out if it exists")
    boolean overwrite;

    @Override
    public List<Setting<?>> settings() {
        List<Setting<?>> all = new java.util.ArrayList<>(DataSpec.SETTINGS);
        all.addAll(List.of(ModelSpec.MODEL, UpdaterSpec.OPTIMIZER, TrainingConfig.SEED, SparkTrainingConfig.WORKERS));
        all.addAll(LrFinder.Config.SETTINGS);
        return all;
    }

    @Override
    public Integer call() {
        ModelSpec spec = ModelSpec.parse(model);
        boolean regression = spec.preset() != null && spec.preset().regression();
        DataSpec dataSpec = data.toSpec(regression);
        LrFinder.Config config;
        try {
            config = LrFinder.Config.builder().steps(steps).startLr(startLr).endLr(endLr).batchSize(batchSize)
                    .seed(seed).build();
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(e.getMessage());
        }
        if (engine == TrainCommand.Engine.LOCAL && (workers != 0 || master != null)) {
            throw new InvalidInputException("--workers and --master need --engine spark");
        }
        SparkTrainingConfig.WORKERS.validate(workers);
        TrainingInput input = TrainingInput.of(dataSpec);
        ModelSource source = ModelSource.of(spec, updaterSpec(spec));
        TrainingConfig training = TrainingConfig.builder().seed(seed).build();
        String outName = out != null ? out : "runs/lr-find-" + spec.source().replaceAll("[^A-Za-z0-9_.-]", "_") + "-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Location outDir = Location.of(outName);
        // All settings are valid; nothing has been written or loaded yet.
        try (RunDirectory run = RunDirectory.create(outDir, overwrite)) {
            // the spark engine's driver only builds and checks the model; its tasks run one native thread each
            int threads = engine == TrainCommand.Engine.SPARK ? 1 : Runtime.getRuntime().availableProcessors();
            Map<String, Object> nativeInfo = NativeRuntime.configure(new NativeSettings(threads, spec.convolutional()));
            LrFindResult found;
            if (engine == TrainCommand.Engine.SPARK) {
                try (SparkSessions.Session session = SparkSessions.start("lr-find", master)) {
                    SparkSession spark = session.spark();
                    found = new SparkEngine(spark, SparkTrainingConfig.builder(training).workers(workers).build())
                            .findLearningRate(input, source, config);
                }
            } else {
                found = new LocalEngine(training).findLearningRate(input, source, config);
            }
            LrCurve curve = found.curve();
            Map<String, Object> root = new LinkedHashMap<>();
            root.put("config", configJson(dataSpec, config, nativeInfo, found));
            put(root, curve);
            if (!found.workerCurves().isEmpty()) {
                root.put("worker_losses", found.workerCurves().stream().map(LrCurve::losses).toList());
            }
            LOG.info("effective configuration: {}", root.get("config"));
            if (!(curve.smoothedLosses()[curve.suggestedStep() + 1] < curve.smoothedLosses()[curve.suggestedStep()])) {
                LOG.warn("the smoothed loss never fell over {} steps from {} to {}: the suggestion means little; "
                        + "raise --end-lr or --steps", curve.steps(), startLr, curve.learningRates()[curve.steps() - 1]);
            }
            String title = String.format(Locale.ROOT, "learning-rate range test: %s on %s (batch %d, %s)",
                    spec.source(), dataSpec.source(), batchSize, optimizer.name().toLowerCase(Locale.ROOT));
            byte[] png = LrCurvePlot.png(curve, title);
            write(run.staging().child(PLOT), png);
            MetricsFile.writeAtomically(run.staging().child(CURVE), root);
            run.commit();

            String given = outDir.child(PLOT).toString();
            command.commandLine().getOut().printf(Locale.ROOT, "suggested learning rate %.1e (%s); plot: %s%n",
                    curve.suggestedRate(), LrCurve.SUGGESTION_RULE,
                    Location.isUri(given) ? given : Path.of(given).toAbsolutePath().normalize());
            return AveronCli.EXIT_OK;
        }
    }

    /** The curve's part of lr-find.json. */
    private static void put(Map<String, Object> root, LrCurve curve) {
        root.put("suggested_learning_rate", curve.suggestedRate());
        root.put("suggested_step", curve.suggestedStep());
        root.put("suggestion", LrCurve.SUGGESTION_RULE);
        root.put("stop", curve.stop().name().toLowerCase(Locale.ROOT));
        root.put("steps_run", curve.steps());
        root.put("learning_rates", curve.learningRates());
        root.put("losses", curve.losses());
        root.put("smoothed_losses", curve.smoothedLosses());
    }

    private static void write(Location file, byte[] bytes) {
        try {
            AtomicFiles.write(file, stream -> stream.write(bytes));
        } catch (IOException e) {
            throw new AveronException(file + ": cannot write (" + e.getMessage() + ")", e);
        }
    }

    /** The optimiser as train builds it; its rate is replaced at every step of the test. */
    private UpdaterSpec updaterSpec(ModelSpec spec) {
        double rate = spec.preset() != null ? spec.preset().defaultLearningRate(optimizer)
                : optimizer == Optimizer.ADAM ? 1e-3 : 1e-2;
        return new UpdaterSpec(optimizer, rate, io.averon.core.model.LrSchedule.CONSTANT, 1.0, 1, 1);
    }

    /** lr-find.json's {@code config}; {@code workers} only when workers' curves were averaged (spark). */
    private Map<String, Object> configJson(DataSpec dataSpec, LrFinder.Config config, Map<String, Object> nativeInfo,
                                           LrFindResult found) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("engine", engine.name().toLowerCase(Locale.ROOT));
        c.put("data", dataSpec.source());
        c.put("model", model);
        c.put("batch_size", config.batchSize());
        c.put("optimizer", optimizer.name().toLowerCase(Locale.ROOT));
        c.put("seed", config.seed());
        c.put("steps", config.steps());
        c.put("start_lr", config.startLr());
        c.put("end_lr", config.endLr());
        c.put("smoothing", LrCurve.SMOOTHING);
        c.put("divergence_factor", LrCurve.DIVERGENCE_FACTOR);
        c.put("train_examples", found.facts().trainSize());
        c.put("native", nativeInfo);
        if (!found.workerCurves().isEmpty()) {
            c.put("workers", found.workerCurves().size());
        }
        return c;
    }
}
