package io.averon.core.artifact;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.averon.core.InvalidInputException;
import io.averon.core.Versions;
import io.averon.core.io.AtomicFiles;
import io.averon.core.model.AveronModel;
import io.averon.core.model.ModelSpec;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipOutputStream;

/**
 * A trained model with its manifest, stored as a zip of exactly these entries, in this order:
 * <ol>
 *   <li>{@code manifest.json} — {@link Manifest}, including the SHA-256 of every entry below</li>
 *   <li>{@code manifest.sha256} — SHA-256 (hex) of {@code manifest.json}</li>
 *   <li>{@code configuration.json} — the DL4J configuration</li>
 *   <li>{@code parameters.bin} — {@link FloatVectorCodec} float32 parameter vector</li>
 *   <li>{@code updater.bin} — optional, the optimiser state in the same encoding</li>
 * </ol>
 * Reading refuses any other entry, duplicates, unknown format versions, checksum mismatches,
 * and parameter counts that do not match the configuration. Writes are atomic.
 *
 * @param model    the model, ready to use
 * @param manifest its manifest
 */
public record ModelArtifact(AveronModel model, Manifest manifest) {

    /** {@code format} value of every manifest. */
    public static final String FORMAT = "averon-model";
    /** The layout version this code writes and reads. */
    public static final int FORMAT_VERSION = 1;
    /** Model files larger than this are refused. */
    public static final long MAX_FILE_BYTES = 1L << 30;

    static final String MANIFEST = "manifest.json";
    static final String MANIFEST_SHA = "manifest.sha256";
    static final String CONFIGURATION = "configuration.json";
    static final String PARAMETERS = "parameters.bin";
    static final String UPDATER = "updater.bin";
    private static final long MAX_MANIFEST_BYTES = 4L << 20;
    private static final long MAX_CONFIGURATION_BYTES = 16L << 20;

    static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** Writes {@code model} to {@code file} atomically (temporary file in the same directory, then rename). */
    public static Manifest write(Path file, AveronModel model, ModelDescription description) {
        return write(file.toString(), content -> AtomicFiles.write(file, content), model, description);
    }

    /** As {@link #write(Path, AveronModel, ModelDescription)}, to any Hadoop FileSystem location ({@code hdfs://...}). */
    public static Manifest write(io.averon.core.io.Location file, AveronModel model, ModelDescription description) {
        return write(file.toString(), content -> AtomicFiles.write(file, content), model, description);
    }

    /** Where an encoded model goes: one of the {@link AtomicFiles} writers. */
    @FunctionalInterface
    private interface Destination {
        void write(AtomicFiles.Content content) throws IOException;
    }

    private static Manifest write(String file, Destination destination, AveronModel model,
                                  ModelDescription description) {
        byte[] configuration = model.configurationJson().getBytes(StandardCharsets.UTF_8);
        byte[] parameters = FloatVectorCodec.encode(model.params());
        INDArray updaterState = model.updaterState();
        byte[] updater = updaterState == null ? null : FloatVectorCodec.encode(updaterState);
        Map<String, String> entries = new LinkedHashMap<>();
        entries.put(CONFIGURATION, Checksums.sha256(configuration));
        entries.put(PARAMETERS, Checksums.sha256(parameters));
        if (updater != null) {
            entries.put(UPDATER, Checksums.sha256(updater));
        }
        Manifest manifest = new Manifest(FORMAT, FORMAT_VERSION, model.kind(), description.classNames(),
                description.inputShape(), description.normalizer(), description.split(), model.numParams(),
                description.training(), description.seed(), description.data(), Versions.all(),
                Instant.now().toString(), entries);
        try {
            byte[] manifestBytes = JSON.writeValueAsBytes(manifest);
            destination.write(out -> {
                try (ZipOutputStream zip = new ZipOutputStream(out)) {
                    put(zip, MANIFEST, manifestBytes);
                    put(zip, MANIFEST_SHA, Checksums.sha256(manifestBytes).getBytes(StandardCharsets.US_ASCII));
                    put(zip, CONFIGURATION, configuration);
                    put(zip, PARAMETERS, parameters);
                    if (updater != null) {
                        put(zip, UPDATER, updater);
                    }
                }
            });
            return manifest;
        } catch (IOException e) {
            throw new io.averon.core.AveronException(file + ": cannot write model (" + e.getMessage() + ")", e);
        }
    }

    /** Reads and verifies a model file. */
    public static ModelArtifact read(Path file) {
        return verify(ArtifactZipReader.readEntries(file, file.toString()), file.toString());
    }

    /** Reads and verifies a model from any Hadoop FileSystem location ({@code hdfs://...}). */
    public static ModelArtifact read(io.averon.core.io.Location file) {
        return read(new java.io.ByteArrayInputStream(readBytes(file)), file.toString());
    }

    /** Reads and verifies a model from a stream; {@code name} is used in messages. */
    public static ModelArtifact read(InputStream in, String name) {
        return verify(ArtifactZipReader.readEntries(in, name), name);
    }

    private static ModelArtifact verify(Map<String, byte[]> raw, String name) {
        byte[] manifestBytes = raw.get(MANIFEST);
        String expectedManifestSha = new String(raw.get(MANIFEST_SHA), StandardCharsets.US_ASCII).trim();
        if (!Checksums.matches(manifestBytes, expectedManifestSha)) {
            throw new InvalidInputException(name + ": " + MANIFEST + " does not match its SHA-256 (corrupt or tampered)");
        }
        Manifest manifest;
        try {
            manifest = JSON.readValue(manifestBytes, Manifest.class);
        } catch (IOException e) {
            throw new InvalidInputException(name + ": unreadable " + MANIFEST + " (" + e.getMessage().lines().findFirst().orElse("") + ")");
        }
        checkManifest(name, manifest);
        for (Map.Entry<String, byte[]> entry : raw.entrySet()) {
            String entryName = entry.getKey();
            if (entryName.equals(MANIFEST) || entryName.equals(MANIFEST_SHA)) {
                continue;
            }
            String expected = manifest.entries().get(entryName);
            if (expected == null) {
                throw new InvalidInputException(name + ": entry " + entryName + " is not listed in the manifest");
            }
            if (!Checksums.matches(entry.getValue(), expected)) {
                throw new InvalidInputException(name + ": entry " + entryName + " does not match its SHA-256 (corrupt or tampered)");
            }
        }
        for (String listed : manifest.entries().keySet()) {
            if (!raw.containsKey(listed)) {
                throw new InvalidInputException(name + ": entry " + listed + " listed in the manifest is missing (truncated?)");
            }
        }
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
     * Reads and verifies a model file's bytes. Before anything touches ND4J, {@code beforeLoad}
     * learns from the configuration whether the model has convolution or pooling layers (commands
     * pick the native build then); the zip is parsed once for both.
     */
    public static ModelArtifact read(byte[] zip, String name, java.util.function.Consumer<Boolean> beforeLoad) {
        Map<String, byte[]> raw = ArtifactZipReader.readEntries(new java.io.ByteArrayInputStream(zip), name);
        byte[] configuration = raw.get(CONFIGURATION);
        if (configuration != null) {
            beforeLoad.accept(ModelSpec.hasConvolutionLayers(new String(configuration, StandardCharsets.UTF_8)));
        }
        return verify(raw, name);
    }

    /**
     * Reads a model file's bytes from any Hadoop FileSystem location without decoding it (what
     * goes to {@link #read(byte[], String, java.util.function.Consumer)}).
     */
    public static byte[] readBytes(io.averon.core.io.Location file) {
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

    private static void checkManifest(String name, Manifest m) {
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
    }

    private static void put(ZipOutputStream zip, String name, byte[] bytes) throws IOException {
        ZipEntry entry = new ZipEntry(name);
        entry.setTime(0L);
        zip.putNextEntry(entry);
        zip.write(bytes);
        zip.closeEntry();
    }

    /** Updater state may hold up to this many values per parameter (Adam: 2, AMSGrad: 3). */
    private static final int MAX_UPDATER_VALUES_PER_PARAMETER = 4;

    /**
     * Entry size limits used while reading: fixed, or derived from the manifest's parameter count,
     * never taken from sizes the zip claims.
     */
    static long maxBytes(String entry, long parameterCount) {
        return switch (entry) {
            case MANIFEST -> MAX_MANIFEST_BYTES;
            case MANIFEST_SHA -> 128;
            case CONFIGURATION -> MAX_CONFIGURATION_BYTES;
            case PARAMETERS -> FloatVectorCodec.encodedLength(parameterCount);
            default -> FloatVectorCodec.encodedLength(parameterCount * MAX_UPDATER_VALUES_PER_PARAMETER);
        };
    }

    static byte[] readBounded(InputStream in, long limit, String what) throws IOException {
        int cap = (int) Math.min(limit + 1, Integer.MAX_VALUE - 8);
        byte[] bytes = in.readNBytes(cap); // grows as it reads: never allocates the limit up front
        if (bytes.length > limit || (bytes.length == cap && in.read() != -1)) {
            throw new InvalidInputException(what + " is larger than the " + limit + " bytes allowed");
        }
        return bytes;
    }

    static InvalidInputException corrupt(String name, ZipException e) {
        return new InvalidInputException(name + ": not a valid model zip (" + e.getMessage() + "; truncated or corrupt?)");
    }
}
