package io.averon.driver.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import io.averon.core.AveronException;
import io.averon.core.InvalidInputException;
import io.averon.core.artifact.ModelArtifact;
import io.averon.core.artifact.ModelDescription;
import io.averon.core.data.DataSpec;
import io.averon.core.data.TrainTestData;
import io.averon.core.model.AveronModel;
import io.averon.core.train.EpochRecord;
import io.averon.core.train.TrainingListener;
import io.averon.core.train.TrainingResult;
import io.averon.driver.spark.SparkTrainer;
import io.averon.driver.spark.SparkTrainingConfig;
import org.apache.commons.io.file.PathUtils;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The spark engine behind {@code averon train}: creates (or joins, under spark-submit) the Spark
 * context, lays out {@code --out} for checkpoints, resumes from the newest valid checkpoint, and
 * writes metrics.json after every epoch and model.zip at the end.
 *
 * <p>Layout of {@code --out}: {@code checkpoints/epoch-NNNN.zip} (newest 2), {@code metrics.json}
 * (rewritten atomically after each epoch; {@code final} appears at the end) and {@code model.zip}
 * (written last: its presence means the run completed).
 */
final class SparkTrainRun {

    private static final Logger LOG = LoggerFactory.getLogger(SparkTrainRun.class);
    /** Spark's barrier-stage sync timeout (seconds), unless the user set one. */
    static final String BARRIER_TIMEOUT_SECONDS = "600";

    record Request(Path out, boolean overwrite, boolean resume, String master, DataSpec dataSpec, TrainTestData data,
                   AveronModel model, SparkTrainingConfig config, SparkTrainer.JobIdentity identity,
                   Map<String, Object> configJson, ModelDescription description, TrainingListener progress) {
    }

    private SparkTrainRun() {
    }

    /** Runs the request; returns the finished run's directory and result. */
    static TrainingResult run(Request r) {
        Path out = r.out().toAbsolutePath().normalize();
        Checkpoints checkpoints = new Checkpoints(out);
        SparkTrainer.Resume resume = null;
        List<Map<String, Object>> earlierEpochs = new ArrayList<>();
        Path old = null;
        if (r.resume()) {
            Checkpoints.Loaded loaded = checkpoints.newestValid();
            AveronModel saved = loaded.artifact().model();
            if (saved.numParams() != r.model().numParams()
                    || !saved.configurationJson().equals(r.model().configurationJson())) {
                throw new InvalidInputException("--resume: checkpoint " + loaded.file() + " holds another model ("
                        + saved.numParams() + " parameters) than this run builds (" + r.model().numParams()
                        + "); resume with the same --model and data");
            }
            resume = new SparkTrainer.Resume(loaded.epoch(), io.averon.driver.spark.ModelVectors.of(saved));
            earlierEpochs = earlierEpochs(out.resolve("metrics.json"), loaded.epoch());
            LOG.info("resuming from {} (after epoch {})", loaded.file(), loaded.epoch());
        } else if (Files.exists(out)) {
            if (!r.overwrite()) {
                throw new InvalidInputException("--out " + r.out() + " already exists; choose a new directory, pass "
                        + "--overwrite, or --resume to continue its run");
            }
            old = moveAside(out);
        }
        ModelDescription description = r.description();
        List<Map<String, Object>> epochs = new ArrayList<>(earlierEpochs);
        SparkTrainer.EpochListener listener = new SparkTrainer.EpochListener() {
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
                checkpoints.write(record.epoch(), averaged, description);
                epochs.add(record.toJson());
                MetricsFile.write(out.resolve("metrics.json"), r.configJson(), epochs, null, null);
            }
        };
        SparkConf conf = new SparkConf().setAppName("averon train");
        if (r.master() != null) {
            conf.setMaster(r.master());
        } else if (!conf.contains("spark.master")) {
            conf.setMaster("local[*]");
        }
        conf.setIfMissing("spark.barrier.sync.timeout", BARRIER_TIMEOUT_SECONDS);
        SparkTrainer.Result result;
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            sc.setLogLevel("WARN");
            result = new SparkTrainer(sc, r.config()).fit(r.dataSpec(), r.data(), r.model(), resume, r.identity(),
                    listener);
        } catch (RuntimeException e) {
            if (old != null && !Files.exists(out)) {
                restore(old, out); // refused before any epoch: the replaced run stays as it was
            }
            throw e;
        }
        r.configJson().put("workers", result.workers());
        ModelArtifact.write(out.resolve("model.zip"), result.model(), description);
        MetricsFile.write(out.resolve("metrics.json"), r.configJson(), epochs, result.training().finalMetrics().toJson(),
                MetricsFile.summary(result.training(), epochs.size()));
        if (old != null) {
            try {
                PathUtils.deleteDirectory(old);
            } catch (IOException e) {
                LOG.warn("could not delete the replaced run {}: {}", old, e.getMessage());
            }
        }
        return result.training();
    }

    private static List<Map<String, Object>> earlierEpochs(Path metrics, int upTo) {
        if (!Files.exists(metrics)) {
            return new ArrayList<>();
        }
        try {
            Map<String, Object> root = MetricsFile.JSON.readValue(metrics.toFile(), new TypeReference<>() { });
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

    private static void createDirectory(Path out) {
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new AveronException("--out " + out + ": cannot create (" + e.getMessage() + ")", e);
        }
    }

    private static void restore(Path old, Path out) {
        try {
            Files.move(old, out, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            LOG.warn("the replaced run is still at {}: {}", old, e.getMessage());
        }
    }

    private static Path moveAside(Path out) {
        try {
            Path old = Files.createTempDirectory(out.getParent(), "." + out.getFileName() + ".old-");
            Files.delete(old);
            Files.move(out, old, StandardCopyOption.ATOMIC_MOVE);
            return old;
        } catch (IOException e) {
            throw new AveronException("cannot move the existing " + out + " aside: " + e.getMessage(), e);
        }
    }
}
