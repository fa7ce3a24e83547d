package io.averon.examples;

import io.averon.core.data.ArrayDataSet;
import io.averon.core.data.DataSources;
import io.averon.core.data.DataSpec;
import io.averon.core.data.TrainTestData;
import io.averon.core.io.Location;
import io.averon.core.model.AveronModel;
import io.averon.core.report.HardExamples;
import io.averon.core.report.RunReport;
import io.averon.core.runtime.NativeRuntime;
import io.averon.core.runtime.NativeSettings;
import io.averon.core.train.EpochRecord;
import io.averon.core.train.TrainingConfig;
import io.averon.driver.data.SparkData;
import io.averon.driver.training.SparkEngine;
import io.averon.driver.data.TrainingInput;
import io.averon.driver.run.ModelSource;
import io.averon.driver.run.RunOutput;
import io.averon.driver.run.Trained;
import io.averon.driver.run.Trainer;
import io.averon.core.train.TrainingListener;
import io.averon.driver.training.SparkTrainingConfig;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;

/**
 * What an example runs with: its size, output directory, seed and the Spark session it trains on
 * (created on first use: {@code local[*]} unless a master is given). Close it to stop Spark.
 */
public final class ExampleContext implements AutoCloseable {

    /** {@code full}: the lesson as the README reports it; {@code small}: a quick run (what the tests use). */
    public enum Size { SMALL, FULL }

    private final String name;
    private final Size size;
    private final Path out;
    private final String master;
    private final long seed;
    private final Integer epochs;
    private final boolean resume;
    private final PrintStream console;
    private SparkSession spark;
    private TrainTestData fashion;

    /**
     * @param epochs epochs for every training run of the lesson, or null for the lesson's own choice
     */
    public ExampleContext(String name, Size size, Path out, String master, long seed, Integer epochs,
                          PrintStream console) {
        this(name, size, out, master, seed, epochs, false, console);
    }

    /**
     * @param epochs epochs for every training run of the lesson, or null for the lesson's own choice
     * @param resume continue each training run from its newest checkpoint in {@code out/runs/<what>}
     */
    public ExampleContext(String name, Size size, Path out, String master, long seed, Integer epochs, boolean resume,
                          PrintStream console) {
        this.name = name;
        this.resume = resume;
        this.size = size;
        this.out = out;
        this.master = master;
        this.seed = seed;
        this.epochs = epochs;
        this.console = console;
    }

    public String name() {
        return name;
    }

    public boolean small() {
        return size == Size.SMALL;
    }

    /** The output directory (report.html and anything else the lesson writes). */
    public Path out() {
        return out;
    }

    public long seed() {
        return seed;
    }

    /** Epochs for a training run: the user's {@code --epochs}, else the lesson's choice for this size. */
    public int epochs(int full, int small) {
        return epochs != null ? epochs : small() ? small : full;
    }

    /** {@code full} examples at full size, {@code small} for a quick run. */
    public int count(int full, int small) {
        return small() ? small : full;
    }

    public PrintStream console() {
        return console;
    }

    /** Prints one formatted line. */
    public void print(String format, Object... args) {
        console.println(String.format(Locale.ROOT, format, args));
    }

    /** The Spark session (created on first use). */
    public SparkSession spark() {
        if (spark == null) {
            SparkConf conf = new SparkConf().setAppName("averon example " + name)
                    .setMaster(master != null ? master : "local[*]")
                    .set("spark.ui.showConsoleProgress", "false")
                    .set("spark.barrier.sync.timeout", "600");
            spark = SparkSession.builder().config(conf).getOrCreate();
            spark.sparkContext().setLogLevel("WARN");
        }
        return spark;
    }

    public JavaSparkContext sc() {
        return JavaSparkContext.fromSparkContext(spark().sparkContext());
    }

    /**
     * A Spark trainer with Averon's defaults (one worker per task slot, averaged once per epoch
     * by the parameter server embedded in this driver) for {@code training}.
     */
    public Trainer trainer(TrainingConfig training) {
        return trainer(SparkTrainingConfig.builder(training).build());
    }

    /** A Spark trainer with these settings. */
    public Trainer trainer(SparkTrainingConfig config) {
        return new SparkEngine(spark(), config);
    }

    /**
     * Fashion-MNIST as {@code averon train} reads it (pixels scaled to 0..1, the 10,000 test
     * images held out); loaded once per context.
     */
    public TrainTestData fashionMnist() {
        if (fashion == null) {
            NativeRuntime.configure(new NativeSettings(1, true));
            fashion = DataSources.loadForTraining(DataSpec.builder(DataSpec.FASHION_MNIST).build(), seed);
        }
        return fashion;
    }

    /** Distributes in-memory training and test sets to Spark, as a user with local arrays would. */
    public SparkData toSpark(ArrayDataSet train, ArrayDataSet test) {
        return ExampleData.toSpark(sc(), train, test);
    }

    /** A listener that prints one line per epoch. */
    public TrainingListener progress(String what) {
        return new TrainingListener() {
            @Override
            public void onEpochEnd(EpochRecord r) {
                if (r.test().isClassification()) {
                    print("%s epoch %d: train loss %.4f, test loss %.4f, test accuracy %.4f (%.1f s)", what, r.epoch(),
                            r.trainLoss(), r.test().loss(), r.test().accuracy(), r.wallSeconds());
                } else {
                    print("%s epoch %d: train loss %.5f, test mse %.5f (%.1f s)", what, r.epoch(), r.trainLoss(),
                            r.test().regression().mse(), r.wallSeconds());
                }
            }
        };
    }

    /**
     * Trains {@code model} on Spark: the whole Fashion-MNIST split from {@link #fashionMnist()} is
     * read by the executors themselves; any other (or sub-) set is handed to Spark from memory.
     */
    public Trained fit(Trainer trainer, AveronModel model, ArrayDataSet train, ArrayDataSet test, String what) {
        TrainingInput input = fashion != null && train == fashion.train() && test == fashion.test()
                ? TrainingInput.of(DataSpec.builder(DataSpec.FASHION_MNIST).build())
                : TrainingInput.of(toSpark(train, test));
        return fit(trainer, input, model, what);
    }

    /**
     * Trains {@code model} on {@code input}, printing a line per epoch and keeping checkpoints,
     * metrics.json and report.html in {@code out/runs/<what>} (a run there is replaced, or continued
     * from its newest checkpoint with {@code --resume}).
     */
    public Trained fit(Trainer trainer, TrainingInput input, AveronModel model, String what) {
        RunOutput run = RunOutput.builder(Location.of(out.resolve("runs").resolve(what))).overwrite(!resume)
                .resume(resume).build();
        return trainer.fit(input, run.resumeOr(ModelSource.of(model)), run, progress(what));
    }

    /**
     * The usual report of one training run: curves, time per epoch, confusion matrix, most
     * confused pairs and the 16 test examples with the highest loss.
     */
    public RunReport.Builder report(String title, Trained result, ArrayDataSet test) {
        return RunReport.builder(title).epochs(result.training().epochs())
                .finalMetrics(result.training().finalMetrics())
                .hardExamples(HardExamples.find(result.model(), test, 16));
    }

    /** Writes {@code report.html} into {@link #out()} and prints where. */
    public Path writeReport(RunReport.Builder report) {
        Path file = out.resolve("report.html");
        report.build().write(Location.of(file));
        print("report: %s", file.toAbsolutePath());
        return file;
    }

    @Override
    public void close() {
        if (spark != null) {
            spark.stop();
            spark = null;
        }
    }
}
