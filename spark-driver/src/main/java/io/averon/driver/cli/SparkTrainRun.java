package io.averon.driver.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import io.averon.core.AveronException;
import io.averon.core.InvalidInputException;
import io.averon.core.artifact.ModelArtifact;
import io.averon.core.artifact.ModelDescription;
import io.averon.core.io.Location;
import io.averon.core.model.AveronModel;
import io.averon.core.report.HardExample;
import io.averon.core.report.RunReport;
import io.averon.core.train.EpochRecord;
import io.averon.core.train.EvaluationResult;
import io.averon.core.train.TrainingListener;
import io.averon.core.train.TrainingResult;
import io.averon.driver.training.AveragingCadence;
import io.averon.driver.training.SparkTrainer;
import io.averon.driver.training.SparkTrainingConfig;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The spark engine behind {@code averon train}: creates (or joins, under spark-submit) the Spark
 * context, lays out {@code --out} for checkpoints, resumes from the newest valid checkpoint, and
 * writes metrics.json and report.html after every epoch and model.zip at the end.
 *
 * <p>Layout of {@code --out} (any Hadoop FileSystem location): {@code checkpoints/epoch-NNNN.zip}
 * (newest 2), {@code metrics.json} (rewritten atomically after each epoch; {@code final} appears at
 * the end), {@code report.html} (rewritten with it; final metrics and highest-loss examples at the
 * end) and {@code model.zip} (the run's model; its presence means the run completed).
 */
final class SparkTrainRun {

    private static final Logger LOG = LoggerFactory.getLogger(SparkTrainRun.class);
    /** Spark's barrier-stage sync timeout (seconds), unless the user set one. */
    static final String BARRIER_TIMEOUT_SECONDS = "600";
    /** Highest-loss examples shown in report.html. */
    static final int HARD_EXAMPLES = 16;

    /** {@code find}'s examples, or none (logged) if it fails: the report never fails a trained run. */
    static List<HardExample> orNothing(String what, Supplier<List<HardExample>> find) {
        try {
            return find.get();
        } catch (RuntimeException e) {
            LOG.warn("report.html will have no {}: {}", what, e.toString(), e);
            return List.of();
        }
    }

    /**
     * @param description  what model.zip and the checkpoints record; asked for once the fit has
     *                     started (a Parquet data set's normalisation is computed in Spark)
     * @param hardExamples the final model's highest-loss held-out examples for report.html, found on
     *                     the driver; null when the driver does not hold the data (Parquet data
     *                     sets are read in the executors)
     * @param keys         signs model.zip and the checkpoints; verifies checkpoints on --resume
     */
    record Request(Location out, boolean overwrite, boolean resume, String master, Fit fit,
                   AveronModel model, SparkTrainingConfig config, SparkTrainer.JobIdentity identity,
                   Map<String, Object> configJson, Supplier<ModelDescription> description, TrainingListener progress,
                   Function<AveronModel, List<HardExample>> hardExamples, ModelKeys keys) {
    }

    /** Trains on the run's data, in the run's Spark session. */
    interface Fit {
        SparkTrainer.Result fit(SparkSession spark, SparkTrainer trainer, SparkTrainer.Resume resume,
                                SparkTrainer.JobIdentity identity, SparkTrainer.EpochListener listener);
    }

    private SparkTrainRun() {
    }

    /** Runs the request; returns the finished run's directory and result. */
    static TrainingResult run(Request r) {
        Location out = r.out();
        Checkpoints checkpoints = new Checkpoints(out, r.keys().signer(), r.keys().readPolicy());
        SparkTrainer.Resume resume = null;
        List<Map<String, Object>> earlierEpochs = new ArrayList<>();
        Location old = null;
        if (r.resume()) {
            Checkpoints.Loaded loaded = checkpoints.newestValid();
            AveronModel saved = loaded.artifact().model();
            if (saved.numParams() != r.model().numParams()
                    || !saved.sameConfiguration(r.model())) {
                throw new InvalidInputException("--resume: checkpoint " + loaded.file() + " holds another model ("
                        + saved.numParams() + " parameters) than this run builds (" + r.model().numParams()
                        + "); resume with the same --model and data");
            }
            resume = new SparkTrainer.Resume(loaded.epoch(), io.averon.driver.training.ModelVectors.of(saved));
            earlierEpochs = earlierEpochs(out.child("metrics.json"), loaded.epoch());
            LOG.info("resuming from {} (after epoch {})", loaded.file(), loaded.epoch());
        } else if (out.exists()) {
            if (!r.overwrite()) {
                throw new InvalidInputException("--out " + r.out() + " already exists; choose a new directory, pass "
                        + "--overwrite, or --resume to continue its run");
            }
            old = moveAside(out);
        }
        List<Map<String, Object>> epochs = new ArrayList<>(earlierEpochs);
        List<EpochRecord> records = new ArrayList<>(); // this attempt's: a resumed run's earlier ones are JSON only
        List<String> notes = new ArrayList<>();
        if (resume != null) {
            notes.add("Resumed after epoch " + resume.epochsDone() + ": the charts show the epochs trained since; "
                    + "metrics.json has every epoch.");
        }
        SparkTrainer.EpochListener listener = new SparkTrainer.EpochListener() {
            @Override
            public void onCadence(AveragingCadence cadence, boolean manyWorkersDefault) {
                putCadence(r.configJson(), cadence, manyWorkersDefault, r.config().parameterServer() != null);
            }

            @Override
            public void onTrainingStart(int total, int batches, long examples) {
                r.progress().onTrainingStart(total, batches, examples);
            }

            @Override
            public void onEpochEnd(EpochRecord record) {
                r.progress().onEpochEnd(record);
            }

            @Override
            public void onEpochModel(EpochRecord record, AveronModel averaged) {
                createDirectory(out); // only now: a run refused before training leaves nothing behind
                checkpoints.write(record.epoch(), averaged, r.description().get());
                epochs.add(record.toJson());
                records.add(record);
                MetricsFile.write(out.child("metrics.json"), r.configJson(), epochs, null, null);
                List<String> running = new ArrayList<>(notes);
                running.add("Epoch " + record.epoch() + " done; the run is still going. This report is rewritten "
                        + "after every epoch; the final metrics and the highest-loss examples appear at the end.");
                writeReport(out.child("report.html"), r.configJson(), records, null, null, running);
                CommandLog.copyInto(out);
            }
        };
        SparkConf conf = SparkSessions.conf("train", r.master());
        conf.setIfMissing("spark.barrier.sync.timeout", BARRIER_TIMEOUT_SECONDS);
        SparkTrainer.Result result;
        try (SparkSession spark = SparkSession.builder().config(conf).getOrCreate()) {
            spark.sparkContext().setLogLevel("WARN");
            SparkTrainer trainer = new SparkTrainer(JavaSparkContext.fromSparkContext(spark.sparkContext()), r.config());
            result = r.fit().fit(spark, trainer, resume, r.identity(), listener);
        } catch (RuntimeException e) {
            if (old != null) {
                settleReplaced(old, out);
            }
            if (out.exists()) {
                LOG.error("training failed", e);
                CommandLog.copyInto(out); // a resumable run keeps the log of its failure
            }
            throw e;
        }
        r.configJson().put("workers", result.workers());
        ModelArtifact.write(out.child("model.zip"), result.model(), r.description().get(), r.keys().signer());
        MetricsFile.write(out.child("metrics.json"), r.configJson(), epochs, result.training().finalMetrics().toJson(),
                MetricsFile.summary(result.training(), epochs.size()));
        if (r.hardExamples() == null) {
            notes.add("Highest-loss examples are not shown: the data set was read in the executors, not on the driver.");
        }
        writeReport(out.child("report.html"), r.configJson(), records, result.training().finalMetrics(),
                r.hardExamples() == null ? null : () -> r.hardExamples().apply(result.model()), notes);
        if (old != null) {
            deleteReplaced(old);
        }
        CommandLog.copyInto(out);
        return result.training();
    }

    /**
     * Records the cadence the run uses in metrics.json's config: {@code sync_every} (0 = once per
     * epoch), {@code sync_warmup_epochs}, {@code outer_lr} and {@code outer_momentum} (left out with an
     * external parameter server, which applies its own), and {@code many_workers_default} (true when no
     * cadence was given and the worker count chose the many-workers recipe).
     */
    static void putCadence(Map<String, Object> configJson, AveragingCadence cadence,
                           boolean manyWorkersDefault, boolean externalServer) {
        configJson.put("sync_every", cadence.syncEvery());
        configJson.put("sync_warmup_epochs", cadence.warmupEpochs());
        if (!externalServer) {
            configJson.put("outer_lr", cadence.outerLearningRate());
            configJson.put("outer_momentum", cadence.outerMomentum());
        }
        configJson.put("many_workers_default", manyWorkersDefault);
    }

    /**
     * Writes report.html for {@code train} (both engines). A report that cannot be made is logged
     * and left out: it never fails a run whose model and metrics are saved.
     *
     * @param hardExamples the highest-loss examples, found only now; null leaves them out
     */
    static void writeReport(Location file, Map<String, Object> configJson, List<EpochRecord> epochs,
                            EvaluationResult finalMetrics, Supplier<List<HardExample>> hardExamples,
                            List<String> notes) {
        try {
            RunReport.Builder report = RunReport.builder("averon train: " + configJson.get("model") + " on "
                    + configJson.get("data")).config(configJson).epochs(epochs).finalMetrics(finalMetrics);
            notes.forEach(report::note);
            if (hardExamples != null) {
                report.hardExamples(hardExamples.get());
            }
            report.build().write(file);
        } catch (RuntimeException e) {
            LOG.warn("{}: report not written ({})", file, e.toString(), e);
        }
    }

    private static List<Map<String, Object>> earlierEpochs(Location metrics, int upTo) {
        if (!metrics.exists()) {
            return new ArrayList<>();
        }
        try (InputStream in = metrics.open()) {
            Map<String, Object> root = MetricsFile.JSON.readValue(in, new TypeReference<>() { });
            List<Map<String, Object>> out = new ArrayList<>();
            Object epochs = root.get("epochs");
            if (epochs instanceof List<?> list) {
                for (Object e : list) {
                    if (e instanceof Map<?, ?> m && m.get("epoch") instanceof Number n && n.intValue() <= upTo) {
                        @SuppressWarnings("unchecked")
                        Map<String, Object> entry = (Map<String, Object>) m;
                        out.add(entry);
                    }
                }
            }
            return out;
        } catch (IOException e) {
            LOG.warn("{} is unreadable ({}); its earlier epochs are not carried over", metrics, e.getMessage());
            return new ArrayList<>();
        }
    }

    private static void createDirectory(Location out) {
        try {
            out.mkdirs();
        } catch (IOException e) {
            throw new AveronException("--out " + out + ": cannot create (" + e.getMessage() + ")", e);
        }
    }

    /**
     * After a failed run with --overwrite: refused before any epoch, the replaced run goes back as it
     * was; once an epoch was written, the new run (resumable) has replaced it.
     */
    private static void settleReplaced(Location old, Location out) {
        try {
            if (out.exists()) {
                deleteReplaced(old);
            } else {
                old.renameTo(out);
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            LOG.warn("the replaced run is still at {}: {}", old, e.getMessage());
        }
    }

    private static void deleteReplaced(Location old) {
        try {
            old.delete();
        } catch (IOException e) {
            LOG.warn("could not delete the replaced run {}: {}", old, e.getMessage());
        }
    }

    private static Location moveAside(Location out) {
        Location old = out.temporarySibling("old");
        try {
            out.renameTo(old);
            return old;
        } catch (IOException e) {
            throw new AveronException("cannot move the existing " + out + " aside: " + e.getMessage(), e);
        }
    }
}
