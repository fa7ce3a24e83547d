package io.averon.core.artifact;

import static io.averon.core.InvalidInputAssertions.assertInvalidInput;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.averon.core.io.Location;
import io.averon.core.model.AveronModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Signed model artifacts: each attack is first shown to work without a verify key (the forged zip
 * really differs and really loads), then to be refused with one.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class SignedModelArtifactTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private final List<String> notices = new ArrayList<>();

    private ReadPolicy checksumsOnly() {
        return ReadPolicy.checksumsOnly().withNotices(notices::add);
    }

    private ReadPolicy verifiedWith(VerifyKey key) {
        return ReadPolicy.verifiedWith(key).withNotices(notices::add);
    }

    private SigningKeys.Written keys(String name) {
        return SigningKeys.generate(dir.resolve(name));
    }

    private Path writeSigned(String name, AveronModel model, SigningKeys.Written keys) {
        Path file = dir.resolve(name);
        ModelArtifact.write(file, model, ModelArtifactTest.description(7), SigningKey.read(keys.privateKey()));
        return file;
    }

    private static float[] params(ModelArtifact artifact) {
        return artifact.model().params().dup().data().asFloat();
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private static int indexOf(List<ModelArtifactTest.Entry> list, String name) {
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i).name().equals(name)) {
                return i;
            }
        }
        throw new AssertionError("no entry " + name);
    }

    private static byte[] entry(Path zip, String name) throws IOException {
        List<ModelArtifactTest.Entry> list = ModelArtifactTest.entries(zip);
        return list.get(indexOf(list, name)).bytes();
    }

    /** Edits manifest.json and writes its correct SHA-256 into manifest.sha256, as a careful forger would. */
    private static void rehashManifest(List<ModelArtifactTest.Entry> list, Consumer<ObjectNode> edit) {
        try {
            int at = indexOf(list, ModelArtifact.MANIFEST);
            ObjectNode manifest = (ObjectNode) JSON.readTree(list.get(at).bytes());
            edit.accept(manifest);
            byte[] bytes = JSON.writeValueAsBytes(manifest);
            list.set(at, new ModelArtifactTest.Entry(ModelArtifact.MANIFEST, bytes));
            list.set(indexOf(list, ModelArtifact.MANIFEST_SHA), new ModelArtifactTest.Entry(ModelArtifact.MANIFEST_SHA,
                    sha256(bytes).getBytes(StandardCharsets.US_ASCII)));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** The probe's attack: new parameters.bin, its SHA-256 written into the manifest, the manifest re-hashed. */
    private Path forgeParameters(Path source, String name, boolean dropSignature) throws IOException {
        List<ModelArtifactTest.Entry> list = new ArrayList<>(ModelArtifactTest.entries(source));
        int at = indexOf(list, ModelArtifact.PARAMETERS);
        byte[] forged = list.get(at).bytes().clone();
        for (int i = (int) FloatVectorCodec.encodedLength(0); i + 4 <= forged.length; i += 4) {
            forged[i + 3] ^= (byte) 0x40; // every float changes (roughly: sign of its exponent flips)
        }
        list.set(at, new ModelArtifactTest.Entry(ModelArtifact.PARAMETERS, forged));
        rehashManifest(list, m -> ((ObjectNode) m.get("entries")).put(ModelArtifact.PARAMETERS, sha256(forged)));
        if (dropSignature) {
            list.remove(indexOf(list, ModelArtifact.SIGNATURE));
        }
        return Files.write(dir.resolve(name), ModelArtifactTest.zip(list));
    }

    // ---------------------------------------------------------------- signed round trip

    @Test
    void shouldPutTheSignatureRightAfterTheManifestAndLoadWithoutNoticeWhenVerified() throws IOException {
        SigningKeys.Written keys = keys("keys");
        AveronModel model = ModelArtifactTest.trainedLogistic(7);
        Path file = writeSigned("model.zip", model, keys);

        ModelArtifact artifact = ModelArtifact.read(file, verifiedWith(VerifyKey.read(keys.publicKey())));

        assertEquals(List.of("manifest.json", "manifest.sha256", "signature.ed25519", "configuration.json",
                "parameters.bin", "updater.bin"), ModelArtifactTest.entries(file).stream()
                .map(ModelArtifactTest.Entry::name).toList());
        assertEquals(64, entry(file, ModelArtifact.SIGNATURE).length, "a raw Ed25519 signature");
        assertArrayEquals(model.params().dup().data().asFloat(), params(artifact));
        assertEquals(List.of(), notices, "a verified load needs no notice");
    }

    @Test
    void shouldSayTheLoadIsUnauthenticatedWhenASignedModelIsReadWithoutAKey() {
        Path file = writeSigned("model.zip", ModelArtifactTest.trainedLogistic(7), keys("keys"));

        ModelArtifact.read(file, checksumsOnly());

        assertEquals(List.of(file + ": signed, but no verify key was given; checked for corruption only"), notices);
    }

    // ---------------------------------------------------------------- (1) edited parameters, manifest re-hashed

    @Test
    void shouldRefuseEditedParametersWithARehashedManifestWhenAVerifyKeyIsGiven() throws IOException {
        SigningKeys.Written keys = keys("keys");
        Path good = writeSigned("model.zip", ModelArtifactTest.trainedLogistic(7), keys);
        Path forged = forgeParameters(good, "forged.zip", false);

        // the attack is real: other parameters.bin, and without a key the forged model loads with them
        assertFalse(Arrays.equals(entry(good, ModelArtifact.PARAMETERS), entry(forged, ModelArtifact.PARAMETERS)));
        float[] original = params(ModelArtifact.read(good, checksumsOnly()));
        float[] loaded = params(ModelArtifact.read(forged, checksumsOnly()));
        assertFalse(Arrays.equals(original, loaded), "without a key the forged parameters load");

        String message = assertInvalidInput(() -> ModelArtifact.read(forged,
                verifiedWith(VerifyKey.read(keys.publicKey()))), "forged.zip", "signature does not verify",
                "tampered, or signed with another key");
        assertFalse(message.contains("SHA-256"), message);
    }

    @Test
    void shouldRefuseEditedParametersWhoseSignatureWasStrippedWhenAVerifyKeyIsGiven() throws IOException {
        SigningKeys.Written keys = keys("keys");
        Path good = writeSigned("model.zip", ModelArtifactTest.trainedLogistic(7), keys);
        Path forged = forgeParameters(good, "stripped.zip", true);

        notices.clear();
        ModelArtifact.read(forged, checksumsOnly()); // loads: an unsigned model is checked for corruption only
        assertEquals(List.of(forged + ": unsigned; checked for corruption only"), notices);

        assertInvalidInput(() -> ModelArtifact.read(forged, verifiedWith(VerifyKey.read(keys.publicKey()))),
                "stripped.zip", "unsigned", "signature", "refused");
    }

    // ---------------------------------------------------------------- (2) another key

    @Test
    void shouldRefuseAModelSignedWithAnotherKey() throws IOException {
        SigningKeys.Written ours = keys("ours");
        SigningKeys.Written theirs = keys("theirs");
        Path file = writeSigned("theirs.zip", ModelArtifactTest.trainedLogistic(7), theirs);
        ModelArtifact.read(file, verifiedWith(VerifyKey.read(theirs.publicKey()))); // a valid signature, by their key

        assertInvalidInput(() -> ModelArtifact.read(file, verifiedWith(VerifyKey.read(ours.publicKey()))),
                "theirs.zip", "signature does not verify", "signed with another key", ours.publicKey().toString());
    }

    @Test
    void shouldSignAnExistingModelInPlaceKeepingEveryOtherEntry() throws IOException {
        SigningKeys.Written keys = keys("keys");
        Path file = dir.resolve("model.zip");
        ModelArtifact.write(file, ModelArtifactTest.trainedLogistic(7), ModelArtifactTest.description(7));
        List<ModelArtifactTest.Entry> before = ModelArtifactTest.entries(file);
        VerifyKey verifyKey = VerifyKey.read(keys.publicKey());
        assertInvalidInput(() -> ModelArtifact.read(file, verifiedWith(verifyKey)), "unsigned");

        ModelArtifact.sign(Location.of(file.toString()), SigningKey.read(keys.privateKey()));

        List<ModelArtifactTest.Entry> after = ModelArtifactTest.entries(file);
        assertEquals(before.size() + 1, after.size());
        for (ModelArtifactTest.Entry entry : before) {
            assertArrayEquals(entry.bytes(), after.get(indexOf(after, entry.name())).bytes(), entry.name());
        }
        ModelArtifact.check(Location.of(file.toString()), verifiedWith(verifyKey));
        ModelArtifact.read(file, verifiedWith(verifyKey));
    }

    // ---------------------------------------------------------------- (3) zip bomb

    @Test
    void shouldRefuseARehashedZipBombQuicklyWithoutInflatingIt() throws IOException {
        long inflated = 2_000_000_000L;
        Path bomb = zipBomb(writeUnsigned(), inflated);
        // the attack is real: a small file whose parameters.bin inflates to 2 GB, with a consistent manifest
        try (ZipFile zip = new ZipFile(bomb.toFile())) {
            assertEquals(inflated, zip.getEntry(ModelArtifact.PARAMETERS).getSize());
        }
        assertTrue(Files.size(bomb) < 8L << 20, "compressed to " + Files.size(bomb) + " bytes");

        long cap = 4L << 20;
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long allocatedBefore = threads.getCurrentThreadAllocatedBytes();
        long start = System.nanoTime();
        assertInvalidInput(() -> ModelArtifact.read(bomb, checksumsOnly().withMaxEntryBytes(cap)), "bomb.zip",
                "parameters.bin", "more than " + cap + " bytes", "cap");
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        long allocated = threads.getCurrentThreadAllocatedBytes() - allocatedBefore;

        assertTrue(millis < 5_000, "refused after " + millis + " ms");
        assertTrue(allocated < 64L << 20, "allocated " + allocated + " bytes to refuse it");
    }

    @Test
    void shouldUseAFixedCapNotTheManifestsParameterCountByDefault() {
        assertEquals(1L << 30, ReadPolicy.checksumsOnly().maxEntryBytes());
    }

    private Path writeUnsigned() {
        Path file = dir.resolve("model.zip");
        ModelArtifact.write(file, ModelArtifactTest.trainedLogistic(7), ModelArtifactTest.description(7));
        return file;
    }

    /** {@code source} with parameters.bin replaced by {@code size} zero bytes, the manifest claiming and hashing them. */
    private Path zipBomb(Path source, long size) throws IOException {
        byte[] zeros = new byte[1 << 20];
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
        for (long done = 0; done < size; done += zeros.length) {
            digest.update(zeros, 0, (int) Math.min(zeros.length, size - done));
        }
        String bombSha = HexFormat.of().formatHex(digest.digest());
        List<ModelArtifactTest.Entry> list = new ArrayList<>(ModelArtifactTest.entries(source));
        rehashManifest(list, m -> {
            m.put("parameter_count", (size - FloatVectorCodec.encodedLength(0)) / 4);
            ((ObjectNode) m.get("entries")).put(ModelArtifact.PARAMETERS, bombSha);
            ((ObjectNode) m.get("entries")).remove(ModelArtifact.UPDATER);
        });
        Path bomb = dir.resolve("bomb.zip");
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(bomb))) {
            for (ModelArtifactTest.Entry e : list) {
                if (e.name().equals(ModelArtifact.UPDATER)) {
                    continue;
                }
                out.putNextEntry(new ZipEntry(e.name()));
                if (e.name().equals(ModelArtifact.PARAMETERS)) {
                    writeZeros(out, zeros, size);
                } else {
                    out.write(e.bytes());
                }
                out.closeEntry();
            }
        }
        return bomb;
    }

    private static void writeZeros(OutputStream out, byte[] zeros, long size) throws IOException {
        for (long done = 0; done < size; done += zeros.length) {
            out.write(zeros, 0, (int) Math.min(zeros.length, size - done));
        }
    }

    // ---------------------------------------------------------------- (4) unsigned models

    @Test
    void shouldLoadAnUnsignedModelWithOneNoticeWhenNoKeyIsGiven() {
        AveronModel model = ModelArtifactTest.trainedLogistic(7);
        Path file = dir.resolve("model.zip");
        ModelArtifact.write(file, model, ModelArtifactTest.description(7));

        ModelArtifact artifact = ModelArtifact.read(file, checksumsOnly());

        assertArrayEquals(model.params().dup().data().asFloat(), params(artifact));
        assertEquals(List.of(file + ": unsigned; checked for corruption only"), notices);
    }

    @Test
    void shouldLoadTheUnsignedVersion1FixtureWithTheNoticeAndRefuseItWithAKey() throws URISyntaxException {
        Path fixture = Path.of(SignedModelArtifactTest.class.getResource("/fixtures/model-v1-logistic.zip").toURI());

        assertEquals(15, ModelArtifact.read(fixture, checksumsOnly()).model().numParams());
        assertEquals(List.of(fixture + ": unsigned; checked for corruption only"), notices);

        VerifyKey key = VerifyKey.read(keys("keys").publicKey());
        assertInvalidInput(() -> ModelArtifact.read(fixture, verifiedWith(key)), "model-v1-logistic.zip", "signature");
    }

    @Test
    void shouldSayCorruptNotTamperedWhenAnUnsignedManifestDoesNotMatchItsChecksum() throws IOException {
        Path good = writeUnsigned();
        List<ModelArtifactTest.Entry> list = new ArrayList<>(ModelArtifactTest.entries(good));
        int at = indexOf(list, ModelArtifact.MANIFEST);
        String text = new String(list.get(at).bytes(), StandardCharsets.UTF_8).replace("versicolor", "versicolour");
        list.set(at, new ModelArtifactTest.Entry(ModelArtifact.MANIFEST, text.getBytes(StandardCharsets.UTF_8)));
        Path bad = Files.write(dir.resolve("bad.zip"), ModelArtifactTest.zip(list));

        String message = assertInvalidInput(() -> ModelArtifact.read(bad, checksumsOnly()), "bad.zip", "corrupt");
        assertFalse(message.contains("tamper"), message);
    }

    @Test
    void shouldRefuseASignatureEntryOutOfPlace() throws IOException {
        SigningKeys.Written keys = keys("keys");
        Path good = writeSigned("model.zip", ModelArtifactTest.trainedLogistic(7), keys);
        List<ModelArtifactTest.Entry> list = new ArrayList<>(ModelArtifactTest.entries(good));
        list.add(list.remove(indexOf(list, ModelArtifact.SIGNATURE)));
        Path bad = Files.write(dir.resolve("late.zip"), ModelArtifactTest.zip(list));

        assertInvalidInput(() -> ModelArtifact.read(bad, verifiedWith(VerifyKey.read(keys.publicKey()))), "late.zip",
                "signature.ed25519", "out of order");
    }

    // ---------------------------------------------------------------- key files

    @Test
    void shouldWriteThePrivateKeyReadableByItsOwnerOnlyAndNeverOverwrite() throws IOException {
        SigningKeys.Written keys = keys("keys");

        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(keys.privateKey())));
        assertTrue(Files.readString(keys.privateKey()).startsWith("-----BEGIN PRIVATE KEY-----"));
        assertTrue(Files.readString(keys.publicKey()).startsWith("-----BEGIN PUBLIC KEY-----"));
        assertInvalidInput(() -> SigningKeys.generate(dir.resolve("keys")), "averon-signing.key", "already exists");
    }

    @Test
    void shouldRefuseASigningKeyReadableByOthersOrAPublicKeyGivenAsPrivate() throws IOException {
        SigningKeys.Written keys = keys("keys");
        assertInvalidInput(() -> SigningKey.read(keys.publicKey()), "averon-signing.pub", "PUBLIC KEY");
        assertInvalidInput(() -> VerifyKey.read(keys.privateKey()), "averon-signing.key", "PRIVATE KEY");

        Files.setPosixFilePermissions(keys.privateKey(), PosixFilePermissions.fromString("rw-r--r--"));
        assertInvalidInput(() -> SigningKey.read(keys.privateKey()), "averon-signing.key", "readable by group or others",
                "chmod 600");
        assertNotEquals(null, VerifyKey.read(keys.publicKey()));
    }
}
