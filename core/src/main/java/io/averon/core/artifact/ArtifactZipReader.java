package io.averon.core.artifact;

import io.averon.core.InvalidInputException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Reads and checks the entries of a model zip, through the JDK's {@link ZipFile}, which reads the
 * central directory at the end of the file: a zip cut anywhere (or with bytes appended) fails to
 * open. In this order, so nothing large is inflated before the manifest is trusted:
 * <ol>
 *   <li>the entry names, from the central directory, without inflating anything: only the known
 *       entries, each once, in the documented order;</li>
 *   <li>{@code manifest.json}, {@code manifest.sha256} and {@code signature.ed25519} (small fixed
 *       limits), then the signature (with a verify key) or the manifest's checksum;</li>
 *   <li>the manifest's format and entry list;</li>
 *   <li>every other entry, inflated up to {@link ReadPolicy#maxEntryBytes()} (counted while
 *       inflating, never taken from the file) and checked against its SHA-256 in the manifest.</li>
 * </ol>
 */
final class ArtifactZipReader {

    private static final List<String> ORDER = List.of(ModelArtifact.MANIFEST, ModelArtifact.MANIFEST_SHA,
            ModelArtifact.SIGNATURE, ModelArtifact.CONFIGURATION, ModelArtifact.PARAMETERS, ModelArtifact.UPDATER);
    private static final List<String> REQUIRED = List.of(ModelArtifact.MANIFEST, ModelArtifact.MANIFEST_SHA,
            ModelArtifact.CONFIGURATION, ModelArtifact.PARAMETERS);
    private static final long MAX_MANIFEST_BYTES = 4L << 20;
    private static final long MAX_SHA_BYTES = 128;
    private static final long MAX_SIGNATURE_BYTES = 1024;
    private static final long MAX_CONFIGURATION_BYTES = 16L << 20;

    /** What a read found: the checked manifest, every entry's checked bytes, and whether a key verified it. */
    record Entries(Manifest manifest, byte[] manifestBytes, Map<String, byte[]> bytes, boolean authenticated) {
    }

    private ArtifactZipReader() {
    }

    /** Copies the stream to a private temporary file (a zip's directory is at its end), then reads that. */
    static Entries read(InputStream in, String name, ReadPolicy policy) {
        Path copy = null;
        try {
            copy = Files.createTempFile("averon-model-", ".zip");
            Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
            return read(copy, name, policy);
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

    static Entries read(Path file, String name, ReadPolicy policy) {
        return withZip(file, name, zip -> {
            Map<String, ZipEntry> listed = list(zip, name);
            byte[] manifestBytes = inflate(zip, listed.get(ModelArtifact.MANIFEST), Math.min(MAX_MANIFEST_BYTES,
                    policy.maxEntryBytes()), name);
            byte[] manifestSha = inflate(zip, listed.get(ModelArtifact.MANIFEST_SHA), MAX_SHA_BYTES, name);
            ZipEntry signatureEntry = listed.get(ModelArtifact.SIGNATURE);
            byte[] signature = signatureEntry == null ? null : inflate(zip, signatureEntry, MAX_SIGNATURE_BYTES, name);
            boolean authenticated = authenticate(name, manifestBytes, manifestSha, signature, policy);
            Manifest manifest = ModelArtifact.parseManifest(manifestBytes, name);
            for (String entry : listed.keySet()) {
                if (ORDER.indexOf(entry) > ORDER.indexOf(ModelArtifact.SIGNATURE) && !manifest.entries().containsKey(entry)) {
                    throw new InvalidInputException(name + ": entry " + entry + " is not listed in the manifest");
                }
            }
            for (String entry : manifest.entries().keySet()) {
                if (!listed.containsKey(entry)) {
                    throw new InvalidInputException(name + ": entry " + entry + " listed in the manifest is missing "
                            + "(truncated?)");
                }
            }
            Map<String, byte[]> bytes = new LinkedHashMap<>();
            for (Map.Entry<String, String> entry : manifest.entries().entrySet()) {
                long limit = entry.getKey().equals(ModelArtifact.CONFIGURATION)
                        ? Math.min(MAX_CONFIGURATION_BYTES, policy.maxEntryBytes()) : policy.maxEntryBytes();
                byte[] content = inflate(zip, listed.get(entry.getKey()), limit, name);
                if (!Checksums.matches(content, entry.getValue())) {
                    throw new InvalidInputException(name + ": entry " + entry.getKey() + " does not match its SHA-256 "
                            + "(corrupt)");
                }
                bytes.put(entry.getKey(), content);
            }
            return new Entries(manifest, manifestBytes, bytes, authenticated);
        });
    }

    /**
     * With a verify key: the signature over the exact manifest bytes must verify (a missing one is
     * refused too). Without: the manifest must match its SHA-256, and a notice says the load is
     * checked for corruption only.
     *
     * @return whether the manifest was authenticated by a signature
     */
    private static boolean authenticate(String name, byte[] manifest, byte[] manifestSha, byte[] signature,
                                        ReadPolicy policy) {
        VerifyKey key = policy.verifyKey();
        if (key != null) {
            if (signature == null) {
                throw new InvalidInputException(name + ": unsigned (no " + ModelArtifact.SIGNATURE + " entry), but a "
                        + "verify key was given: a model without a signature is refused");
            }
            if (!key.verifies(manifest, signature)) {
                throw new InvalidInputException(name + ": signature does not verify (tampered, or signed with another "
                        + "key than " + key.source() + ")");
            }
        }
        if (!Checksums.matches(manifest, new String(manifestSha, StandardCharsets.US_ASCII).trim())) {
            throw new InvalidInputException(name + ": " + ModelArtifact.MANIFEST + " does not match its SHA-256 (corrupt)");
        }
        if (key == null) {
            policy.notices().accept(name + (signature == null ? ": unsigned; checked for corruption only"
                    : ": signed, but no verify key was given; checked for corruption only"));
        }
        return key != null;
    }

    /** The entries by name, from the central directory: nothing is inflated here. */
    private static Map<String, ZipEntry> list(ZipFile zip, String name) {
        Map<String, ZipEntry> listed = new LinkedHashMap<>();
        int previous = -1;
        Enumeration<? extends ZipEntry> all = zip.entries();
        while (all.hasMoreElements()) {
            ZipEntry entry = all.nextElement();
            String entryName = entry.getName();
            int position = ORDER.indexOf(entryName);
            if (position < 0) {
                throw new InvalidInputException(name + ": unexpected entry '" + entryName + "' (a model zip holds only "
                        + ORDER + ")");
            }
            if (listed.containsKey(entryName)) {
                throw new InvalidInputException(name + ": duplicate entry '" + entryName + "'");
            }
            if (listed.isEmpty() && !entryName.equals(ModelArtifact.MANIFEST)) {
                throw new InvalidInputException(name + ": first entry is '" + entryName + "', expected "
                        + ModelArtifact.MANIFEST);
            }
            if (position < previous) {
                throw new InvalidInputException(name + ": entry '" + entryName + "' is out of order (a model zip holds "
                        + ORDER + " in this order)");
            }
            previous = position;
            listed.put(entryName, entry);
        }
        List<String> missing = new ArrayList<>(REQUIRED);
        missing.removeAll(listed.keySet());
        if (!missing.isEmpty()) {
            throw new InvalidInputException(name + ": missing entry " + missing.get(0)
                    + (listed.isEmpty() ? " (not a model zip, or empty)" : " (truncated?)"));
        }
        return listed;
    }

    /**
     * Inflates one entry, counting bytes as they come and stopping after {@code limit + 1}: the
     * memory used grows with what was really inflated, never with sizes the zip claims.
     */
    private static byte[] inflate(ZipFile zip, ZipEntry entry, long limit, String name) throws IOException {
        try (InputStream in = zip.getInputStream(entry)) {
            byte[] bytes = in.readNBytes((int) Math.min(limit + 1, Integer.MAX_VALUE - 8));
            if (bytes.length > limit) {
                throw new InvalidInputException(name + "!" + entry.getName() + " inflates to more than " + limit
                        + " bytes, the cap on any model entry; refused");
            }
            return bytes;
        }
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
            throw new InvalidInputException(name + ": not a valid model zip (" + e.getMessage()
                    + "; truncated or corrupt?)");
        } catch (IOException e) {
            throw new InvalidInputException(name + ": not a valid model zip (" + e.getMessage() + "; truncated or corrupt?)");
        }
    }
}
