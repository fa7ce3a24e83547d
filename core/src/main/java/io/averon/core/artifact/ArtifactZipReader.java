package io.averon.core.artifact;

import io.averon.core.InvalidInputException;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;

/**
 * Reads the entries of a model zip with bounded sizes. {@code manifest.json} must come first, so
 * the parameter entries' size limit derives from the manifest's parameter count, not from
 * anything the zip claims.
 */
final class ArtifactZipReader {

    private static final List<String> ORDER = List.of(ModelArtifact.MANIFEST, ModelArtifact.MANIFEST_SHA,
            ModelArtifact.CONFIGURATION, ModelArtifact.PARAMETERS, ModelArtifact.UPDATER);

    private ArtifactZipReader() {
    }

    static Map<String, byte[]> readEntries(InputStream in, String name) {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        long parameterLimit = 0;
        try (ZipInputStream zip = new ZipInputStream(in, StandardCharsets.UTF_8)) {
            ZipEntry entry;
            while ((entry = zip.getNextEntry()) != null) {
                String entryName = entry.getName();
                if (!ORDER.contains(entryName)) {
                    throw new InvalidInputException(name + ": unexpected entry '" + entryName
                            + "' (a model zip holds only " + ORDER + ")");
                }
                if (entries.containsKey(entryName)) {
                    throw new InvalidInputException(name + ": duplicate entry '" + entryName + "'");
                }
                if (entries.isEmpty() && !entryName.equals(ModelArtifact.MANIFEST)) {
                    throw new InvalidInputException(name + ": first entry is '" + entryName + "', expected "
                            + ModelArtifact.MANIFEST);
                }
                byte[] bytes = ModelArtifact.readBounded(zip, ModelArtifact.maxBytes(entryName, parameterLimit),
                        name + "!" + entryName);
                entries.put(entryName, bytes);
                if (entryName.equals(ModelArtifact.MANIFEST)) {
                    parameterLimit = parameterLimitFrom(bytes, name);
                }
            }
        } catch (ZipException e) {
            throw ModelArtifact.corrupt(name, e);
        } catch (EOFException e) {
            throw new InvalidInputException(name + ": not a valid model zip (unexpected end of file; truncated?)");
        } catch (IOException e) {
            throw new InvalidInputException(name + ": cannot read (" + e.getMessage() + ")");
        }
        for (String required : List.of(ModelArtifact.MANIFEST, ModelArtifact.MANIFEST_SHA,
                ModelArtifact.CONFIGURATION, ModelArtifact.PARAMETERS)) {
            if (!entries.containsKey(required)) {
                throw new InvalidInputException(name + ": missing entry " + required
                        + (entries.isEmpty() ? " (not a model zip, or empty)" : " (truncated?)"));
            }
        }
        return entries;
    }

    private static long parameterLimitFrom(byte[] manifestBytes, String name) {
        try {
            long count = ModelArtifact.JSON.readTree(manifestBytes).path("parameter_count").asLong(-1);
            if (count < 0 || count > (Integer.MAX_VALUE - 64) / Float.BYTES) {
                throw new InvalidInputException(name + ": manifest parameter_count " + count + " is out of range");
            }
            return FloatVectorCodec.encodedLength(count);
        } catch (IOException e) {
            throw new InvalidInputException(name + ": unreadable " + ModelArtifact.MANIFEST);
        }
    }
}
