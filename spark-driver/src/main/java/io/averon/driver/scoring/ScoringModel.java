package io.averon.driver.scoring;

import io.averon.core.AveronException;
import io.averon.core.InvalidInputException;
import io.averon.core.artifact.ModelDescription;
import io.averon.core.io.AtomicFiles;
import io.averon.core.model.AveronModel;
import io.averon.core.artifact.Manifest;
import io.averon.core.artifact.ModelArtifact;
import io.averon.core.artifact.ReadPolicy;
import io.averon.core.io.Location;
import io.averon.core.model.ModelSpec;
import io.averon.core.runtime.NativeRuntime;
import io.averon.core.runtime.NativeSettings;

import java.io.IOException;
import java.nio.file.Files;


/**
 * A model file read and verified on the driver, ready to ship to executors: the exact bytes that
 * verified (so what executors load is what was checked), its manifest, and what scoring needs to
 * know without loading it again.
 */
public final class ScoringModel {

    private final String name;
    private final byte[] bytes;
    private final Manifest manifest;
    private final boolean convolutional;
    private final boolean regression;

    private ScoringModel(String name, byte[] bytes, ModelArtifact artifact) {
        this.name = name;
        this.bytes = bytes;
        this.manifest = artifact.manifest();
        this.convolutional = ModelSpec.hasConvolutionLayers(artifact.model().configurationJson());
        this.regression = !manifest.isClassification();
    }

    /**
     * Reads {@code model.zip} from any Hadoop file system and verifies it (SHA-256 manifest,
     * parameters; checksums only, with a notice); a truncated or corrupt file is an {@link InvalidInputException} naming it.
     * Before ND4J loads, selects its native build for the model (oneDNN for convolutional models).
     */
    public static ScoringModel read(Location file) {
        return read(file, ReadPolicy.checksumsOnly());
    }

    /**
     * As {@link #read(Location)} under {@code policy}: with a verify key, an unsigned or badly
     * signed model is refused. Executors reload exactly the bytes verified here.
     */
    public static ScoringModel read(Location file, ReadPolicy policy) {
        byte[] bytes = ModelArtifact.readBytes(file);
        return new ScoringModel(file.toString(), bytes, ModelArtifact.read(bytes, file.toString(), policy, convolutional ->
                NativeRuntime.configure(new NativeSettings(Runtime.getRuntime().availableProcessors(), convolutional))));
    }

    /**
     * A model trained in this JVM, encoded as model.zip (unsigned) with {@code description} in its
     * manifest and read back verified, as {@link #read(Location)} would read the file.
     */
    public static ScoringModel of(AveronModel model, ModelDescription description) {
        java.nio.file.Path dir = null;
        try {
            dir = Files.createTempDirectory("averon-model");
            java.nio.file.Path file = dir.resolve("model.zip");
            ModelArtifact.write(file, model, description);
            byte[] bytes = Files.readAllBytes(file);
            return new ScoringModel(file.getFileName().toString(), bytes, ModelArtifact.read(bytes, "model.zip",
                    ReadPolicy.checksumsOnly().withNotices(notice -> { }), convolutional -> { }));
        } catch (IOException e) {
            throw new AveronException("cannot encode the trained model (" + e.getMessage() + ")", e);
        } finally {
            if (dir != null) {
                try (var files = Files.list(dir)) {
                    for (java.nio.file.Path f : files.toList()) {
                        Files.deleteIfExists(f);
                    }
                    Files.deleteIfExists(dir);
                } catch (IOException ignored) {
                    // a temporary directory left behind is harmless
                }
            }
        }
    }

    /** Writes the verified bytes to {@code file} (any Hadoop file system), atomically. */
    public void write(Location file) {
        try {
            AtomicFiles.write(file, out -> out.write(bytes));
        } catch (IOException e) {
            throw new AveronException(file + ": cannot write model (" + e.getMessage() + ")", e);
        }
    }

    /** As {@link #read(Location)} for a path or URI. */
    public static ScoringModel read(String location) {
        return read(Location.of(location));
    }

    public String name() {
        return name;
    }

    /** The verified file's bytes (not a copy: do not modify). */
    byte[] bytes() {
        return bytes;
    }

    public Manifest manifest() {
        return manifest;
    }

    /** Whether the model has convolution layers (executors then load the oneDNN build). */
    boolean convolutional() {
        return convolutional;
    }

    /** Whether it predicts a number rather than a class. */
    public boolean regression() {
        return regression;
    }
}
