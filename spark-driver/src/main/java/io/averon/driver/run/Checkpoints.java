package io.averon.driver.run;

import io.averon.core.AveronException;
import io.averon.core.InvalidInputException;
import io.averon.core.artifact.ModelArtifact;
import io.averon.core.artifact.ModelDescription;
import io.averon.core.artifact.ReadPolicy;
import io.averon.core.artifact.SigningKey;
import io.averon.core.io.Location;
import io.averon.core.model.AveronModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A run's checkpoints on any Hadoop FileSystem: {@code DIR/checkpoints/epoch-NNNN.zip}, each a
 * complete {@code model.zip} (SHA-256 manifest, updater state included; signed when the run has a
 * signing key) written under a temporary name and renamed; the newest {@value #KEEP} are kept.
 * Resuming reads them under the run's {@link ReadPolicy} (with a verify key, only signed ones verify). Resuming picks the newest one that verifies and falls back to an
 * older one, with a warning, when the newest is damaged.
 */
public final class Checkpoints {

    static final int KEEP = 2;
    private static final Logger LOG = LoggerFactory.getLogger(Checkpoints.class);
    private static final Pattern NAME = Pattern.compile("epoch-(\\d{4,})\\.zip");

    /** A checkpoint that verified: the epoch it ends and the model it holds. */
    record Loaded(int epoch, Location file, ModelArtifact artifact) {
    }

    private final Location directory;
    private final SigningKey signer;
    private final ReadPolicy policy;

    /**
     * @param signer signs every checkpoint, or null
     * @param policy how checkpoints are read when resuming
     */
    Checkpoints(Location runDirectory, SigningKey signer, ReadPolicy policy) {
        this.directory = runDirectory.child("checkpoints");
        this.signer = signer;
        this.policy = policy;
    }

    Location directory() {
        return directory;
    }

    /** Writes the checkpoint of {@code epoch} and deletes all but the newest {@value #KEEP}. */
    void write(int epoch, AveronModel model, ModelDescription description) {
        try {
            directory.mkdirs();
            ModelArtifact.write(directory.child(String.format(java.util.Locale.ROOT, "epoch-%04d.zip", epoch)), model,
                    description, signer);
            List<Location> all = list();
            for (int i = KEEP; i < all.size(); i++) {
                all.get(i).delete();
            }
        } catch (IOException | UncheckedIOException e) {
            throw new AveronException("cannot write checkpoint of epoch " + epoch + " to " + directory + ": "
                    + e.getMessage(), e);
        }
    }

    /**
     * The newest checkpoint that verifies.
     *
     * @throws InvalidInputException if there is none (resuming never silently starts from scratch)
     */
    Loaded newestValid() {
        List<Location> all;
        try {
            all = directory.isDirectory() ? list() : List.of();
        } catch (UncheckedIOException e) {
            throw new InvalidInputException("cannot list checkpoints in " + directory + ": " + e.getCause().getMessage());
        }
        if (all.isEmpty()) {
            throw new InvalidInputException("--resume: no checkpoint in " + directory + "; nothing to resume "
                    + "(run without --resume to start over)");
        }
        String newestProblem = null;
        for (int i = 0; i < all.size(); i++) {
            Location file = all.get(i);
            try {
                ModelArtifact artifact = ModelArtifact.read(file, policy);
                if (i > 0) {
                    LOG.warn("resuming from the older checkpoint {}", file.name());
                }
                return new Loaded(epochOf(file).orElseThrow(), file, artifact);
            } catch (AveronException e) {
                newestProblem = newestProblem != null ? newestProblem : e.getMessage();
                LOG.warn("checkpoint {} does not verify ({}){}", file, e.getMessage(),
                        i + 1 < all.size() ? "; falling back to " + all.get(i + 1).name() : "");
            }
        }
        throw new InvalidInputException("--resume: none of the checkpoints in " + directory + " verifies ("
                + newestProblem + "); cannot resume (run without --resume to start over)");
    }

    /** Checkpoint files, newest epoch first. */
    private List<Location> list() {
        return directory.list().stream().filter(p -> epochOf(p).isPresent())
                .sorted(Comparator.comparing((Location p) -> epochOf(p).orElseThrow()).reversed()).toList();
    }

    private static Optional<Integer> epochOf(Location file) {
        Matcher m = NAME.matcher(file.name());
        return m.matches() ? Optional.of(Integer.parseInt(m.group(1))) : Optional.empty();
    }
}
