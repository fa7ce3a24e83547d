package io.averon.core.artifact;

import io.averon.core.InvalidInputException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Reads the entries of a model zip with bounded sizes, through the JDK's {@link ZipFile}, which
 * reads the central directory at the end of the file: a zip cut anywhere (or with bytes appended)
 * fails to open. {@code manifest.json} must come first, so the parameter entries' size limit
 * derives from the manifest's parameter count, not from sizes the zip claims.
 */
final class ArtifactZipReader {

    private static final List<String> ORDER = List.of(ModelArtifact.MANIFEST, ModelArtifact.MANIFEST_SHA,
            ModelArtifact.CONFIGURATION, ModelArtifact.PARAMETERS, ModelArtifact.UPDATER);

    private ArtifactZipReader() {
    }

    /** Copies the stream to a private temporary file (a zip's directory is at its end), then reads that. */
    static Map<String, byte[]> readEntries(InputStream in, String name) {
        Path copy = null;
        try {
            copy = Files.createTempFile("averon-model-", ".zip");
            Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
            return readEntries(copy, name);
        } catch (IOException e) {
            throw new InvalidInputException(name + ": cannot read (" + e.getMessage() + ")");
        } finally {
            if (copy != null) {
                try {
                    Files.deleteIfExists(copy);
                } catch (IOException ignored) {
                    // a private temporary file; the OS cleans the temp directory
                }
            }
        }
    }

    static Map<String, byte[]> readEntries(Path file, String name) {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        withZip(file, name, zip -> {
            long parameterCount = 0;
            Enumeration<? extends ZipEntry> all = zip.entries();
            while (all.hasMoreElements()) {
                ZipEntry entry = all.nextElement();
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
                try (InputStream in = zip.getInputStream(entry)) {
                    byte[] bytes = ModelArtifact.readBounded(in, ModelArtifact.maxBytes(entryName, parameterCount),
                            name + "!" + entryName);
                    entries.put(entryName, bytes);
                    if (entryName.equals(ModelArtifact.MANIFEST)) {
                        parameterCount = parameterCountFrom(bytes, name);
                    }
                }
            }
            return null;
        });
        for (String required : List.of(ModelArtifact.MANIFEST, ModelArtifact.MANIFEST_SHA,
                ModelArtifact.CONFIGURATION, ModelArtifact.PARAMETERS)) {
            if (!entries.containsKey(required)) {
                throw new InvalidInputException(name + ": missing entry " + required
                        + (entries.isEmpty() ? " (not a model zip, or empty)" : " (truncated?)"));
            }
        }
        return entries;
    }

    /** What is done with an open zip. */
    @FunctionalInterface
    private interface ZipWork<T> {
        T apply(ZipFile zip) throws IOException;
    }

    /** Opens {@code file} as a zip and turns every I/O failure into one-line input errors naming it ({@code name}). */
    private static <T> T withZip(Path file, String name, ZipWork<T> work) {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            return work.apply(zip);
        } catch (NoSuchFileException e) {
            throw new InvalidInputException(name + ": no such file");
        } catch (ZipException e) {
            throw ModelArtifact.corrupt(name, e);
        } catch (IOException e) {
            throw new InvalidInputException(name + ": not a valid model zip (" + e.getMessage() + "; truncated or corrupt?)");
        }
    }

    private static long parameterCountFrom(byte[] manifestBytes, String name) {
        try {
            long count = ModelArtifact.JSON.readTree(manifestBytes).path("parameter_count").asLong(-1);
            if (count < 0 || count > (Integer.MAX_VALUE - 64) / Float.BYTES) {
                throw new InvalidInputException(name + ": manifest parameter_count " + count + " is out of range");
            }
            return count;
        } catch (IOException e) {
            throw new InvalidInputException(name + ": unreadable " + ModelArtifact.MANIFEST);
        }
    }
}
