package io.averon.core.artifact;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.averon.core.AveronException;
import io.averon.core.InvalidInputException;
import io.averon.core.Versions;
import io.averon.core.io.AtomicFiles;
import io.averon.core.io.Location;
import io.averon.core.model.AveronModel;
import io.averon.core.model.ModelSpec;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * A trained model with its manifest, stored as a zip of exactly these entries, in this order:
 * <ol>
 *   <li>{@code manifest.json} — {@link Manifest}, including the SHA-256 of every entry below</li>
 *   <li>{@code manifest.sha256} — SHA-256 (hex) of {@code manifest.json}</li>
 *   <li>{@code signature.ed25519} — optional, the 64-byte Ed25519 signature of the exact
 *       {@code manifest.json} bytes ({@link SigningKey}); it authenticates every entry through their
 *       SHA-256 in the manifest</li>
 *   <li>{@code configuration.json} — the DL4J configuration</li>
 *   <li>{@code parameters.bin} — {@link FloatVectorCodec} float32 parameter vector</li>
 *   <li>{@code updater.bin} — optional, the optimiser state in the same encoding</li>
 * </ol>
 * Reading ({@link ArtifactZipReader}, under a {@link ReadPolicy}) verifies the signature (with a
 * verify key) before anything else is inflated, and refuses any other entry, duplicates, entries
 * out of order, unknown format versions, checksum mismatches, entries larger than the policy's cap
 * and parameter counts that do not match the configuration. Writes are atomic.
 *
 * @param model    the model, ready to use
 * @param manifest its manifest
 */
public record ModelArtifact(AveronModel model, Manifest manifest) {

    /** {@code format} value of every manifest. */
    public static final String FORMAT = "averon-model";
    /** The layout version this code writes and reads (the optional signature entry did not change it). */
    public static final int FORMAT_VERSION = 1;
    /** Model files larger than this are refused. */
    public static final long MAX_FILE_BYTES = 1L << 30;

    static final String MANIFEST = "manifest.json";
    static final String MANIFEST_SHA = "manifest.sha256";
    static final String SIGNATURE = "signature.ed25519";
    static final String CONFIGURATION = "configuration.json";
    static final String PARAMETERS = "parameters.bin";
    static final String UPDATER = "updater.bin";

    static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** Writes {@code model} to {@code file} atomically (temporary file in the same directory, then rename), unsigned. */
    public static Manifest write(Path file, AveronModel model, ModelDescription description) {
        return write(file, model, description, null);
    }

    /** As {@link #write(Path, AveronModel, ModelDescription)}, signed with {@code signer} unless it is null. */
    public static Manifest write(Path file, AveronModel model, ModelDescription description, SigningKey signer) {
        return write(file.toString(), content -> AtomicFiles.write(file, content), model, description, signer);
    }

    /** As {@link #write(Path, AveronModel, ModelDescription)}, to any Hadoop FileSystem location ({@code hdfs://...}). */
    public static Manifest write(Location file, AveronModel model, ModelDescription description) {
        return write(file, model, description, null);
    }

    /** As {@link #write(Location, AveronModel, ModelDescription)}, signed with {@code signer} unless it is null. */
    public static Manifest write(Location file, AveronModel model, ModelDescription description, SigningKey signer) {
        return write(file.toString(), content -> AtomicFiles.write(file, content), model, description, signer);
    }

    /** Where an encoded model goes: one of the {@link AtomicFiles} writers. */
    @FunctionalInterface
    private interface Destination {
        void write(AtomicFiles.Content content) throws IOException;
    }

    private static Manifest write(String file, Destination destination, AveronModel model,
                                  ModelDescription description, SigningKey signer) {
        Map<String, byte[]> contents = new LinkedHashMap<>();
        contents.put(CONFIGURATION, model.configurationJson().getBytes(StandardCharsets.UTF_8));
        contents.put(PARAMETERS, FloatVectorCodec.encode(model.params()));
        INDArray updaterState = model.updaterState();
        if (updaterState != null) {
            contents.put(UPDATER, FloatVectorCodec.encode(updaterState));
        }
        Map<String, String> entries = new LinkedHashMap<>();
        contents.forEach((name, bytes) -> entries.put(name, Checksums.sha256(bytes)));
        Manifest manifest = new Manifest(FORMAT, FORMAT_VERSION, model.kind(), description.classNames(),
                description.inputShape(), description.normalizer(), description.split(), model.numParams(),
                description.training(), description.seed(), description.data(), Versions.all(),
                Instant.now().toString(), entries);
        try {
            writeZip(destination, JSON.writeValueAsBytes(manifest), contents, signer);
            return manifest;
        } catch (IOException e) {
            throw new AveronException(file + ": cannot write model (" + e.getMessage() + ")", e);
        }
    }

    private static void writeZip(Destination destination, byte[] manifestBytes, Map<String, byte[]> contents,
                                 SigningKey signer) throws IOException {
        destination.write(out -> {
            try (ZipOutputStream zip = new ZipOutputStream(out)) {
                put(zip, MANIFEST, manifestBytes);
                put(zip, MANIFEST_SHA, Checksums.sha256(manifestBytes).getBytes(StandardCharsets.US_ASCII));
                if (signer != null) {
                    put(zip, SIGNATURE, signer.sign(manifestBytes));
                }
                for (Map.Entry<String, byte[]> entry : contents.entrySet()) {
                    put(zip, entry.getKey(), entry.getValue());
                }
            }
        });
    }

    /**
     * Signs an existing model file in place (atomically): its checksums are verified first, then
     * the same entries are written again with a signature by {@code signer} (replacing any earlier
     * one). Nothing is decoded: the signed bytes are exactly the checked ones.
     */
    public static Manifest sign(Location file, SigningKey signer) {
        ArtifactZipReader.Entries entries = ArtifactZipReader.read(new ByteArrayInputStream(readBytes(file)),
                file.toString(), ReadPolicy.checksumsOnly().withNotices(notice -> { }));
        try {
            writeZip(content -> AtomicFiles.write(file, content), entries.manifestBytes(), entries.bytes(), signer);
            return entries.manifest();
        } catch (IOException e) {
            throw new AveronException(file + ": cannot write the signed model (" + e.getMessage() + ")", e);
        }
    }

    /**
     * Checks a model file under {@code policy} without loading it into ND4J: signature (with a
     * verify key), checksums, format and entry list.
     *
     * @return its manifest
     */
    public static Manifest check(Location file, ReadPolicy policy) {
        return ArtifactZipReader.read(new ByteArrayInputStream(readBytes(file)), file.toString(), policy).manifest();
    }

    /** Reads and verifies a model file (checksums only; see {@link ReadPolicy#checksumsOnly()}). */
    public static ModelArtifact read(Path file) {
        return read(file, ReadPolicy.checksumsOnly());
    }

    /** Reads and verifies a model file under {@code policy}. */
    public static ModelArtifact read(Path file, ReadPolicy policy) {
        return load(ArtifactZipReader.read(file, file.toString(), policy), file.toString());
    }

    /** Reads and verifies a model from any Hadoop FileSystem location ({@code hdfs://...}), checksums only. */
    public static ModelArtifact read(Location file) {
        return read(file, ReadPolicy.checksumsOnly());
    }

    /** Reads and verifies a model from any Hadoop FileSystem location under {@code policy}. */
    public static ModelArtifact read(Location file, ReadPolicy policy) {
        return read(new ByteArrayInputStream(readBytes(file)), file.toString(), policy);
    }

    /** Reads and verifies a model from a stream, checksums only; {@code name} is used in messages. */
    public static ModelArtifact read(InputStream in, String name) {
        return read(in, name, ReadPolicy.checksumsOnly());
    }

    /** Reads and verifies a model from a stream under {@code policy}; {@code name} is used in messages. */
    public static ModelArtifact read(InputStream in, String name, ReadPolicy policy) {
        return load(ArtifactZipReader.read(in, name, policy), name);
    }

    /**
     * Reads and verifies a model file's bytes under {@code policy}. Once they are verified and before
     * anything touches ND4J, {@code beforeLoad} learns from the configuration whether the model has
     * convolution or pooling layers (commands pick the native build then).
     */
    public static ModelArtifact read(byte[] zip, String name, ReadPolicy policy, Consumer<Boolean> beforeLoad) {
        ArtifactZipReader.Entries entries = ArtifactZipReader.read(new ByteArrayInputStream(zip), name, policy);
        beforeLoad.accept(ModelSpec.hasConvolutionLayers(new String(entries.bytes().get(CONFIGURATION),
                StandardCharsets.UTF_8)));
        return load(entries, name);
    }

    /** As {@link #read(byte[], String, ReadPolicy, Consumer)}, checksums only. */
    public static ModelArtifact read(byte[] zip, String name, Consumer<Boolean> beforeLoad) {
        return read(zip, name, ReadPolicy.checksumsOnly(), beforeLoad);
    }

    /** Builds the model from checked entries. */
    private static ModelArtifact load(ArtifactZipReader.Entries entries, String name) {
        Manifest manifest = entries.manifest();
        Map<String, byte[]> raw = entries.bytes();
        AveronModel model;
        try {
            model = AveronModel.fromConfiguration(manifest.modelKind(),
                    new String(raw.get(CONFIGURATION), StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            String detail = e.getMessage() == null ? e.getClass().getSimpleName()
                    : e.getMessage().lines().findFirst().orElse("");
            throw new InvalidInputException(name + ": invalid " + CONFIGURATION + " (" + detail + ")", e);
        }
        if (model.numParams() != manifest.parameterCount()) {
            throw new InvalidInputException(name + ": configuration has " + model.numParams()
                    + " parameters, manifest says " + manifest.parameterCount());
        }
        FloatVectorCodec.decodeInto(raw.get(PARAMETERS), model.params(), name + "!" + PARAMETERS);
        byte[] updater = raw.get(UPDATER);
        if (updater != null && model.updaterState() != null) {
            FloatVectorCodec.decodeInto(updater, model.updaterState(), name + "!" + UPDATER);
        }
        return new ModelArtifact(model, manifest);
    }

    /**
     * Reads a model file's bytes from any Hadoop FileSystem location without decoding it (what
     * goes to {@link #read(byte[], String, ReadPolicy, Consumer)}).
     */
    public static byte[] readBytes(Location file) {
        if (!file.isFile()) {
            throw new InvalidInputException(file + ": " + (file.exists() ? "is a directory, not a model file"
                    : "no such file"));
        }
        if (file.length() > MAX_FILE_BYTES) {
            throw new InvalidInputException(file + ": " + file.length() + " bytes is too large for a model file");
        }
        try (InputStream in = file.open()) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new InvalidInputException(file + ": cannot read (" + e.getMessage() + ")");
        }
    }

    /** Parses and checks a manifest whose bytes were already authenticated or checksummed. */
    static Manifest parseManifest(byte[] manifestBytes, String name) {
        Manifest m;
        try {
            m = JSON.readValue(manifestBytes, Manifest.class);
        } catch (IOException e) {
            throw new InvalidInputException(name + ": unreadable " + MANIFEST + " ("
                    + e.getMessage().lines().findFirst().orElse("") + ")");
        }
        if (!FORMAT.equals(m.format())) {
            throw new InvalidInputException(name + ": not an Averon model (format '" + m.format() + "')");
        }
        if (m.formatVersion() != FORMAT_VERSION) {
            throw new InvalidInputException(name + ": model format version " + m.formatVersion()
                    + " is not supported by this Averon (reads version " + FORMAT_VERSION + ")");
        }
        if (m.modelKind() == null || m.entries() == null || m.inputShape() == null || m.normalizer() == null
                || m.split() == null) {
            throw new InvalidInputException(name + ": " + MANIFEST + " lacks required fields");
        }
        if (!m.entries().containsKey(CONFIGURATION) || !m.entries().containsKey(PARAMETERS)) {
            throw new InvalidInputException(name + ": manifest does not list " + CONFIGURATION + " and " + PARAMETERS);
        }
        for (String entry : m.entries().keySet()) {
            if (!entry.equals(CONFIGURATION) && !entry.equals(PARAMETERS) && !entry.equals(UPDATER)) {
                throw new InvalidInputException(name + ": manifest lists an unknown entry '" + entry + "'");
            }
        }
        return m;
    }

    private static void put(ZipOutputStream zip, String name, byte[] bytes) throws IOException {
        ZipEntry entry = new ZipEntry(name);
        entry.setTime(0L);
        zip.putNextEntry(entry);
        zip.write(bytes);
        zip.closeEntry();
    }
}
