package io.averon.driver.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.averon.core.artifact.ReadPolicy;
import io.averon.core.artifact.VerifyKey;
import io.averon.core.io.Location;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Signed models through the real CLI: keygen, train --sign-key (both engines, checkpoints too),
 * sign, verify, and evaluate --verify-key refusing a forged model with exit code 2 and one line.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class ModelSigningCliTest {

    @TempDir
    Path tmp;

    private Path keys(String name) {
        CliRun run = CliRun.of("keygen", "--out", tmp.resolve(name).toString());
        assertEquals(0, run.exitCode(), run.err());
        return tmp.resolve(name);
    }

    private static String key(Path keys) {
        return keys.resolve("averon-signing.key").toString();
    }

    private static String pub(Path keys) {
        return keys.resolve("averon-signing.pub").toString();
    }

    private Path trainLocal(Path data, String out, String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("train", "--engine", "local", "--data", data.toString(),
                "--model", "logistic", "--epochs", "2", "--out", tmp.resolve(out).toString(), "--no-progress"));
        args.addAll(List.of(extra));
        CliRun run = CliRun.of(args.toArray(String[]::new));
        assertEquals(0, run.exitCode(), run.err());
        return tmp.resolve(out).resolve("model.zip");
    }

    private static void assertOneLineRefusal(CliRun run, String... fragments) {
        assertEquals(2, run.exitCode(), () -> "stderr: " + run.err());
        String line = run.errorLine();
        assertFalse(line.contains("\n"), () -> "one line expected, got: " + line);
        for (String fragment : fragments) {
            assertTrue(line.contains(fragment), () -> "'" + fragment + "' missing from: " + line);
        }
    }

    private static Map<String, byte[]> entries(Path zip) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                out.put(e.getName(), in.readAllBytes());
            }
        }
        return out;
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** The probe's forgery: other parameters, their SHA-256 in the manifest, the manifest re-hashed; signature kept. */
    private static Path forge(Path model, Path forged) throws IOException {
        Map<String, byte[]> entries = entries(model);
        byte[] parameters = entries.get("parameters.bin").clone();
        for (int i = parameters.length - 1; i >= parameters.length - 24; i -= 4) {
            parameters[i] ^= (byte) 0x80; // the last six floats (the output biases) change sign
        }
        entries.put("parameters.bin", parameters);
        ObjectMapper json = new ObjectMapper();
        ObjectNode manifest = (ObjectNode) json.readTree(entries.get("manifest.json"));
        ((ObjectNode) manifest.get("entries")).put("parameters.bin", sha256(parameters));
        byte[] manifestBytes = json.writeValueAsBytes(manifest);
        entries.put("manifest.json", manifestBytes);
        entries.put("manifest.sha256", sha256(manifestBytes).getBytes(StandardCharsets.US_ASCII));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream out = new ZipOutputStream(bytes)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                out.putNextEntry(new ZipEntry(e.getKey()));
                out.write(e.getValue());
                out.closeEntry();
            }
        }
        return Files.write(forged, bytes.toByteArray());
    }

    @Test
    void shouldRefuseAForgedSignedModelWithOneLineWhenEvaluatedWithAVerifyKey() throws IOException {
        Path data = TestFiles.csv(tmp.resolve("data.csv"), 200);
        Path keys = keys("keys");
        Path model = trainLocal(data, "run", "--sign-key", key(keys));
        assertEquals(0, CliRun.of("verify", "--key", pub(keys), model.toString()).exitCode());
        Path forged = forge(model, tmp.resolve("forged.zip"));

        // the attack is real: without a key the forged model evaluates, to other figures
        CliRun original = CliRun.of("evaluate", "--model", model.toString(), "--data", data.toString(), "--json");
        CliRun forgedUnchecked = CliRun.of("evaluate", "--model", forged.toString(), "--data", data.toString(), "--json");
        assertEquals(0, original.exitCode(), original.err());
        assertEquals(0, forgedUnchecked.exitCode(), forgedUnchecked.err());
        assertNotEquals(original.out(), forgedUnchecked.out(), "the forged parameters were used");

        CliRun refused = CliRun.of("evaluate", "--model", forged.toString(), "--data", data.toString(),
                "--verify-key", pub(keys));
        assertOneLineRefusal(refused, "forged.zip", "signature does not verify", "tampered, or signed with another key");
        assertEquals("", refused.out());
        assertOneLineRefusal(CliRun.of("verify", "--key", pub(keys), forged.toString()), "forged.zip", "signature");
        CliRun verified = CliRun.of("evaluate", "--model", model.toString(), "--data", data.toString(), "--json",
                "--verify-key", pub(keys));
        assertEquals(0, verified.exitCode(), verified.err());
        assertEquals(original.out(), verified.out());
    }

    @Test
    void shouldRefuseAnUnsignedModelWithAVerifyKeyUntilItIsSigned() throws IOException {
        Path data = TestFiles.csv(tmp.resolve("data.csv"), 200);
        Path keys = keys("keys");
        Path model = trainLocal(data, "run");

        assertOneLineRefusal(CliRun.of("evaluate", "--model", model.toString(), "--data", data.toString(),
                "--verify-key", pub(keys)), "model.zip", "unsigned", "signature");
        assertOneLineRefusal(CliRun.of("sign", "--key", pub(keys), model.toString()), "averon-signing.pub", "PUBLIC KEY");

        CliRun signed = CliRun.of("sign", "--key", key(keys), model.toString());
        assertEquals(0, signed.exitCode(), signed.err());
        CliRun evaluated = CliRun.of("evaluate", "--model", model.toString(), "--data", data.toString(),
                "--verify-key", pub(keys));
        assertEquals(0, evaluated.exitCode(), evaluated.err());
        assertOneLineRefusal(CliRun.of("keygen", "--out", keys.toString()), "averon-signing.key", "already exists");
    }

    @Test
    void shouldSignModelAndCheckpointsWhenTrainingOnSparkAndResumeOnlyFromVerifiedCheckpoints() throws IOException {
        Path data = SparkEngineTest.writeCsv(tmp.resolve("blobs.csv"), SparkEngineTest.blobRows(400));
        Path keys = keys("keys");
        Path other = keys("other");
        Path out = tmp.resolve("spark");
        CliRun train = SparkEngineTest.train(data, out, "--workers", "2", "--model", "logistic", "--epochs", "2",
                "--sign-key", key(keys));
        assertEquals(0, train.exitCode(), train.err());

        List<Path> signed;
        try (Stream<Path> checkpoints = Files.list(out.resolve("checkpoints"))) {
            signed = Stream.concat(Stream.of(out.resolve("model.zip")), checkpoints.sorted()).toList();
        }
        assertEquals(3, signed.size(), "model.zip and two checkpoints: " + signed);
        ReadPolicy policy = ReadPolicy.verifiedWith(VerifyKey.read(Path.of(pub(keys))));
        for (Path file : signed) {
            assertTrue(entries(file).containsKey("signature.ed25519"), file + " is signed");
            io.averon.core.artifact.ModelArtifact.check(Location.of(file.toString()), policy);
        }

        CliRun wrongKey = SparkEngineTest.train(data, out, "--workers", "2", "--model", "logistic", "--epochs", "3",
                "--resume", "--verify-key", pub(other));
        assertOneLineRefusal(wrongKey, "--resume", "none of the checkpoints", "signature does not verify");
        CliRun resumed = SparkEngineTest.train(data, out, "--workers", "2", "--model", "logistic", "--epochs", "3",
                "--resume", "--verify-key", pub(keys), "--sign-key", key(keys));
        assertEquals(0, resumed.exitCode(), resumed.err());
        io.averon.core.artifact.ModelArtifact.check(Location.of(out.resolve("checkpoints/epoch-0003.zip").toString()),
                policy);
    }

    @Test
    void shouldRefuseAVerifyKeyWithoutResumeWhenTraining() throws IOException {
        Path data = TestFiles.csv(tmp.resolve("data.csv"), 50);
        Path keys = keys("keys");
        assertOneLineRefusal(CliRun.of("train", "--engine", "local", "--data", data.toString(), "--out",
                tmp.resolve("out").toString(), "--verify-key", pub(keys)), "--verify-key", "--resume");
        assertFalse(Files.exists(tmp.resolve("out")));
    }
}
