package io.averon.driver.run;

import com.fasterxml.jackson.core.type.TypeReference;
import io.averon.core.AveronException;
import io.averon.core.InvalidInputException;
import io.averon.core.artifact.ModelArtifact;
import io.averon.core.artifact.ModelDescription;
import io.averon.core.artifact.ReadPolicy;
import io.averon.core.artifact.SigningKey;
import io.averon.core.io.Location;
import io.averon.core.model.AveronModel;
import io.averon.core.report.HardExample;
import io.averon.core.report.RunReport;
import io.averon.core.train.EpochRecord;
import io.averon.core.train.EvaluationResult;
import io.averon.driver.data.InputFacts;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A run's output directory ({@code --out}, any Hadoop FileSystem location), for both engines: a
 * listener that writes, after every epoch, {@code checkpoints/epoch-NNNN.zip} (the newest
 * {@value Checkpoints#KEEP}), {@code metrics.json} and {@code report.html}, and at the end
 * {@code model.zip}, whose presence means the run completed. The directory is created at the first
 * checkpoint: a run refused or failed before it leaves nothing. With {@code overwrite}, an existing
 * directory is moved aside at that moment and deleted once the checkpoint is written;
 * {@link #resumeOr} continues a run from its newest checkpoint that verifies.
 *
 * <pre>{@code
 * RunOutput out = RunOutput.builder(Location.of("runs/a")).resume(true).build();  // checked here
 * Trained trained = trainer.fit(input, out.resumeOr(ModelSource.of(spec, updater)), out);
 * }</pre>
 */
public final class RunOutput implements RunListener {

    private static final Logger LOG = LoggerFactory.getLogger(RunOutput.class);
    /** Highest-loss examples shown in report.html. */
    public static final int HARD_EXAMPLES = 16;

    private final Location out;
    private final boolean overwrite;
    private final boolean resume;
    private final SigningKey signer;
    private final Checkpoints checkpoints;

    private ModelDescription description;
    private Map<String, Object> config;
    private int resumedAfter;
    private final List<Map<String, Object>> epochs = new ArrayList<>();
    private final List<EpochRecord> records = new ArrayList<>(); // this attempt's: a resumed run's earlier ones are JSON only
    private boolean created;
    private Location replaced;

    private RunOutput(Builder b) {
        this.out = b.out;
        this.overwrite = b.overwrite;
        this.resume = b.resume;
        this.signer = b.signer;
        this.checkpoints = new Checkpoints(out, b.signer, b.readPolicy);
        if (resume && overwrite) {
            throw new InvalidInputException("--resume and --overwrite contradict each other; pick one");
        }
        if (!resume && out.exists() && !overwrite) {
            throw new InvalidInputException("--out " + out + " already exists; choose a new directory, pass "
                    + "--overwrite, or --resume to continue its run");
        }
        if (out.exists() && !out.isDirectory()) {
            throw new InvalidInputException("--out " + out + " exists and is not a directory");
        }
    }

    public static Builder builder(Location out) {
        return new Builder(out);
    }

    public Location location() {
        return out;
    }

    /**
     * With {@code resume}: a source that builds {@code fresh}'s model for the data, checks that the
     * newest valid checkpoint holds the same model, and continues from it; without, {@code fresh}.
     *
     * @throws InvalidInputException (when building) if there is no valid checkpoint or it holds another model
     */
    public ModelSource resumeOr(ModelSource fresh) {
        if (!resume) {
            return fresh;
        }
        return new ModelSource() {
            @Override
            public Start build(InputFacts data, long seed) {
                AveronModel built = fresh.build(data, seed).model();
                Checkpoints.Loaded loaded = checkpoints.newestValid();
                AveronModel saved = loaded.artifact().model();
                if (saved.numParams() != built.numParams() || !saved.sameConfiguration(built)) {
                    throw new InvalidInputException("--resume: checkpoint " + loaded.file() + " holds another model ("
                            + saved.numParams() + " parameters) than this run builds (" + built.numParams()
                            + "); resume with the same --model and data");
                }
                LOG.info("resuming from {} (after epoch {})", loaded.file(), loaded.epoch());
                return new Start(saved, loaded.epoch());
            }

            @Override
            public Map<String, Object> settings() {
                return fresh.settings();
            }
        };
    }

    @Override
    public void onRunStart(RunStart start) {
        InputFacts data = start.data();
        config = new LinkedHashMap<>(start.settings());
        description = new ModelDescription(data.classNames(), data.shape(), data.normalizer(), data.split(), config,
                start.seed(), data.provenance());
        resumedAfter = start.epochsDone();
        epochs.clear();
        epochs.addAll(earlierEpochs(out.child("metrics.json"), resumedAfter));
        records.clear();
    }

    @Override
    public void onEpochModel(EpochRecord record, AveronModel model) {
        create();
        epochs.add(record.toJson());
        records.add(record);
        // metrics.json first: a driver killed between the two files must not leave a checkpoint whose
        // epoch metrics.json lacks (resuming from it would skip that epoch's entry); an entry without
        // its checkpoint is harmless, as resuming drops the entries after the checkpoint it continues from
        MetricsFile.write(out.child("metrics.json"), config, epochs, null, null);
        checkpoints.write(record.epoch(), model, description);
        deleteReplaced(); // the new run can be resumed now
        List<String> running = notes();
        running.add("Epoch " + record.epoch() + " done; the run is still going. This report is rewritten "
                + "after every epoch; the final metrics and the highest-loss examples appear at the end.");
        writeReport(null, null, running);
    }

    @Override
    public void onRunEnd(Trained trained, HardExamplesFinder hardExamples) {
        create();
        ModelArtifact.write(out.child("model.zip"), trained.model(), description, signer);
        MetricsFile.write(out.child("metrics.json"), config, epochs, trained.training().finalMetrics().toJson(),
                MetricsFile.summary(trained.training(), epochs.size()));
        writeReport(trained.training().finalMetrics(), () -> hardExamples.find(HARD_EXAMPLES), notes());
    }

    private List<String> notes() {
        List<String> notes = new ArrayList<>();
        if (resumedAfter > 0) {
            notes.add("Resumed after epoch " + resumedAfter + ": the charts show the epochs trained since; "
                    + "metrics.json has every epoch.");
        }
        return notes;
    }

    /** Creates the directory at the first write, moving a run it replaces aside. */
    private void create() {
        if (created) {
            return;
        }
        try {
            if (!resume && overwrite && out.exists()) {
                replaced = out.temporarySibling("old");
                out.renameTo(replaced);
            }
            out.mkdirs();
            created = true;
        } catch (IOException e) {
            throw new AveronException("--out " + out + ": cannot create (" + e.getMessage() + ")", e);
        }
    }

    private void deleteReplaced() {
        if (replaced == null) {
            return;
        }
        try {
            replaced.delete();
            replaced = null;
        } catch (IOException e) {
            LOG.warn("could not delete the replaced run {}: {}", replaced, e.getMessage());
        }
    }

    /**
     * Writes report.html. A report that cannot be made is logged and left out: it never fails a run
     * whose model and metrics are saved.
     *
     * @param hardExamples the highest-loss examples, found only now; null leaves them out
     */
    private void writeReport(EvaluationResult finalMetrics, Supplier<List<HardExample>> hardExamples,
                             List<String> notes) {
        Location file = out.child("report.html");
        try {
            RunReport.Builder report = RunReport.builder("averon train: " + config.get("model") + " on "
                    + config.get("data")).config(config).epochs(records).finalMetrics(finalMetrics);
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
        if (upTo == 0 || !metrics.exists()) {
            return new ArrayList<>();
        }
        try (InputStream in = metrics.open()) {
            Map<String, Object> root = MetricsFile.JSON.readValue(in, new TypeReference<>() { });
            List<Map<String, Object>> out = new ArrayList<>();
            if (root.get("epochs") instanceof List<?> list) {
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

    /** The output's settings; {@link #build()} checks them against what is at the location. */
    public static final class Builder {
        private final Location out;
        private boolean overwrite;
        private boolean resume;
        private SigningKey signer;
        private ReadPolicy readPolicy = ReadPolicy.checksumsOnly();

        private Builder(Location out) {
            this.out = out;
        }

        /** Replace an existing directory (once the new run has its first checkpoint). */
        public Builder overwrite(boolean value) {
            overwrite = value;
            return this;
        }

        /** Continue the run in the directory from its newest valid checkpoint ({@link #resumeOr}). */
        public Builder resume(boolean value) {
            resume = value;
            return this;
        }

        /** Sign model.zip and every checkpoint with this key (null: unsigned). */
        public Builder signer(SigningKey value) {
            signer = value;
            return this;
        }

        /** How checkpoints are read when resuming (with a verify key: only signed ones verify). */
        public Builder readPolicy(ReadPolicy value) {
            readPolicy = value;
            return this;
        }

        public RunOutput build() {
            return new RunOutput(this);
        }
    }
}
