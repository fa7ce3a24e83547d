package io.averon.core.artifact;

import static io.averon.core.InvalidInputAssertions.assertInvalidInput;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.averon.core.InvalidInputException;
import io.averon.core.data.Normalizer;
import io.averon.core.data.SplitSpec;
import io.averon.core.model.AveronModel;
import io.averon.core.model.LrSchedule;
import io.averon.core.model.ModelFactory;
import io.averon.core.model.ModelSpec;
import io.averon.core.model.Optimizer;
import io.averon.core.model.UpdaterSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelArtifactTest {

    private static final List<String> CLASSES = List.of("setosa", "versicolor", "virginica");
    private static final String FIXTURE = "/fixtures/model-v1-logistic.zip";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    // ---------------------------------------------------------------- helpers

    /** A logistic model (4 features, 3 classes) trained a few Adam steps so parameters and updater state are non-trivial. */
    static AveronModel trainedLogistic(long seed) {
        AveronModel model = ModelFactory.create(ModelSpec.parse("logistic"), new int[] {4}, 3, UpdaterSpec.adam(0.05), seed);
        Random random = new Random(seed);
        float[] x = new float[32 * 4];
        float[] y = new float[32 * 3];
        for (int i = 0; i < 32; i++) {
            int c = i % 3;
            for (int j = 0; j < 4; j++) {
                x[i * 4 + j] = (float) (random.nextGaussian() * 0.5 + (j == c ? 2 : 0));
            }
            y[i * 3 + c] = 1;
        }
        INDArray features = Nd4j.create(x, new long[] {32, 4}, 'c');
        INDArray labels = Nd4j.create(y, new long[] {32, 3}, 'c');
        for (int step = 0; step < 10; step++) {
            model.fit(features, labels);
        }
        return model;
    }

    static ModelDescription description(long seed) {
        Map<String, Object> training = new LinkedHashMap<>();
        training.put("model", "logistic");
        training.put("epochs", 3);
        training.put("learning_rate", 0.05);
        return new ModelDescription(CLASSES, new int[] {4},
                new Normalizer(Normalizer.Kind.STANDARDIZE, null, new float[] {5.8f, 3.0f, 3.7f, 1.2f},
                        new float[] {0.8f, 0.4f, 1.7f, 0.75f}),
                new SplitSpec(SplitSpec.Kind.RANDOM, 0.2, seed), training, seed,
                new Manifest.DataProvenance("iris.csv", "ab".repeat(32), 120, 30));
    }

    private Path writeModel(String name, AveronModel model) {
        Path file = dir.resolve(name);
        ModelArtifact.write(file, model, description(7));
        return file;
    }

    private static INDArray fixedInput() {
        return Nd4j.create(new float[] {0, 0, 0, 0, 1, -1, 0.5f, 2, -2, 3, -0.25f, 0.1f}, new long[] {3, 4}, 'c');
    }

    private static int[] bits(INDArray array) {
        float[] values = array.dup('c').data().asFloat();
        int[] out = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = Float.floatToRawIntBits(values[i]);
        }
        return out;
    }

    /** A zip entry as written by hand: any name (duplicates too), any bytes. */
    record Entry(String name, byte[] bytes) {
    }

    static List<Entry> entries(Path zip) throws IOException {
        List<Entry> out = new ArrayList<>();
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
            ZipEntry entry;
            while ((entry = in.getNextEntry()) != null) {
                out.add(new Entry(entry.getName(), in.readAllBytes()));
            }
        }
        return out;
    }

    static byte[] zip(List<Entry> entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream out = new ZipOutputStream(bytes)) {
            for (Entry e : entries) {
                out.putNextEntry(new ZipEntry(e.name()));
                out.write(e.bytes());
                out.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    /** Rewrites {@code source}'s entries into a new zip after {@code change} edited them. */
    private Path rezip(Path source, String name, Consumer<List<Entry>> change) throws IOException {
        List<Entry> list = entries(source);
        change.accept(list);
        return Files.write(dir.resolve(name), zip(list));
    }

    private static int indexOf(List<Entry> list, String name) {
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i).name().equals(name)) {
                return i;
            }
        }
        throw new AssertionError("no entry " + name);
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** Edits manifest.json and, like a careful forger, writes its correct SHA-256 into manifest.sha256. */
    private static void editManifest(List<Entry> list, Consumer<ObjectNode> edit) {
        try {
            int at = indexOf(list, ModelArtifact.MANIFEST);
            ObjectNode manifest = (ObjectNode) JSON.readTree(list.get(at).bytes());
            edit.accept(manifest);
            byte[] bytes = JSON.writeValueAsBytes(manifest);
            list.set(at, new Entry(ModelArtifact.MANIFEST, bytes));
            list.set(indexOf(list, ModelArtifact.MANIFEST_SHA),
                    new Entry(ModelArtifact.MANIFEST_SHA, sha256(bytes).getBytes(StandardCharsets.US_ASCII)));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Asserts the read is refused with a one-line message naming the file and holding every fragment. */
    private static String assertRefused(Path file, String... fragments) {
        String message = assertInvalidInput(() -> ModelArtifact.read(file), fragments);
        assertTrue(message.contains(file.getFileName().toString()), () -> "file name missing in: " + message);
        return message;
    }

    // ---------------------------------------------------------------- round trip

    @Test
    void shouldRestoreBitIdenticalParametersAndOutputsWhenWrittenThenRead() {
        AveronModel model = trainedLogistic(7);
        Path file = writeModel("model.zip", model);

        ModelArtifact artifact = ModelArtifact.read(file);

        AveronModel copy = artifact.model();
        assertEquals(model.numParams(), copy.numParams());
        assertArrayEquals(bits(model.params()), bits(copy.params()), "parameters bitwise");
        assertNotNull(model.updaterState(), "Adam keeps state");
        assertArrayEquals(bits(model.updaterState()), bits(copy.updaterState()), "updater state bitwise");
        assertArrayEquals(bits(model.output(fixedInput())), bits(copy.output(fixedInput())), "outputs bitwise");
    }

    @Test
    void shouldReturnTheManifestFieldsWhenRead() {
        Path file = writeModel("model.zip", trainedLogistic(7));

        Manifest m = ModelArtifact.read(file).manifest();

        assertEquals(ModelArtifact.FORMAT, m.format());
        assertEquals(1, m.formatVersion());
        assertEquals(AveronModel.Kind.MULTI_LAYER_NETWORK, m.modelKind());
        assertEquals(CLASSES, m.classNames());
        assertTrue(m.isClassification());
        assertArrayEquals(new int[] {4}, m.inputShape());
        assertEquals(Normalizer.Kind.STANDARDIZE, m.normalizer().kind());
        assertArrayEquals(new float[] {5.8f, 3.0f, 3.7f, 1.2f}, m.normalizer().mean());
        assertArrayEquals(new float[] {0.8f, 0.4f, 1.7f, 0.75f}, m.normalizer().std());
        assertEquals(new SplitSpec(SplitSpec.Kind.RANDOM, 0.2, 7), m.split());
        assertEquals(4 * 3 + 3, m.parameterCount());
        assertEquals(7, m.seed());
        assertEquals("logistic", m.training().get("model"));
        assertEquals(3, ((Number) m.training().get("epochs")).intValue());
        assertEquals(new Manifest.DataProvenance("iris.csv", "ab".repeat(32), 120, 30), m.data());
        assertTrue(m.versions().containsKey("averon"), "versions: " + m.versions());
        assertFalse(m.versions().get("averon").isBlank());
        assertEquals(System.getProperty("java.version"), m.versions().get("java"));
        assertNotNull(m.created());
        assertEquals(List.of(ModelArtifact.CONFIGURATION, ModelArtifact.PARAMETERS, ModelArtifact.UPDATER),
                List.copyOf(m.entries().keySet()));
    }

    @Test
    void shouldStoreEntriesInTheDocumentedOrderWhenWritten() throws IOException {
        Path file = writeModel("model.zip", trainedLogistic(7));

        assertEquals(List.of("manifest.json", "manifest.sha256", "configuration.json", "parameters.bin", "updater.bin"),
                entries(file).stream().map(Entry::name).toList());
    }

    @Test
    void shouldRoundTripWithoutUpdaterEntryWhenOptimizerKeepsNoState() throws IOException {
        UpdaterSpec sgd = new UpdaterSpec(Optimizer.SGD, 0.1, LrSchedule.CONSTANT, 1.0, 1, 1);
        AveronModel model = ModelFactory.create(ModelSpec.parse("linear"), new int[] {3}, 1, sgd, 5);
        Path file = dir.resolve("linear.zip");
        ModelArtifact.write(file, model, new ModelDescription(List.of(), new int[] {3}, Normalizer.none(),
                new SplitSpec(SplitSpec.Kind.TIME_ORDERED, 0.1, 0), Map.of(), 5, null));

        ModelArtifact artifact = ModelArtifact.read(file);

        assertEquals(List.of("manifest.json", "manifest.sha256", "configuration.json", "parameters.bin"),
                entries(file).stream().map(Entry::name).toList());
        assertArrayEquals(bits(model.params()), bits(artifact.model().params()));
        assertFalse(artifact.manifest().isClassification());
        assertEquals(Normalizer.Kind.NONE, artifact.manifest().normalizer().kind());
        assertNull(artifact.manifest().data());
    }

    @Test
    void shouldRoundTripAComputationGraphWhenModelIsAGraph() throws IOException {
        var conf = new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder().seed(11)
                .updater(new org.nd4j.linalg.learning.config.Nesterovs(0.1, 0.9)).graphBuilder().addInputs("in")
                .addLayer("h", new org.deeplearning4j.nn.conf.layers.DenseLayer.Builder().nIn(4).nOut(5).build(), "in")
                .addLayer("out", new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder().nIn(5).nOut(3)
                        .activation(org.nd4j.linalg.activations.Activation.SOFTMAX).build(), "h")
                .setOutputs("out").build();
        Path json = Files.writeString(dir.resolve("graph.json"), conf.toJson());
        AveronModel model = ModelFactory.create(ModelSpec.parse(json.toString()), new int[] {4}, 3,
                UpdaterSpec.adam(0.01), 1);
        model.fit(fixedInput(), Nd4j.create(new float[] {1, 0, 0, 0, 1, 0, 0, 0, 1}, new long[] {3, 3}, 'c'));
        Path file = writeModel("graph.zip", model);

        ModelArtifact artifact = ModelArtifact.read(file);

        assertEquals(AveronModel.Kind.COMPUTATION_GRAPH, artifact.manifest().modelKind());
        assertEquals(AveronModel.Kind.COMPUTATION_GRAPH, artifact.model().kind());
        assertArrayEquals(bits(model.params()), bits(artifact.model().params()));
        assertArrayEquals(bits(model.updaterState()), bits(artifact.model().updaterState()));
        assertArrayEquals(bits(model.output(fixedInput())), bits(artifact.model().output(fixedInput())));
    }

    // ---------------------------------------------------------------- atomic writes

    @Test
    void shouldLeaveOnlyTheModelFileWhenWritten() throws IOException {
        writeModel("model.zip", trainedLogistic(7));

        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(dir.resolve("model.zip")), files.toList(), "no temporary file left behind");
        }
    }

    @Test
    void shouldReplaceTheOldModelWhenWritingOverAnExistingFile() throws IOException {
        AveronModel first = trainedLogistic(1);
        AveronModel second = trainedLogistic(2);
        writeModel("model.zip", first);

        writeModel("model.zip", second);

        AveronModel read = ModelArtifact.read(dir.resolve("model.zip")).model();
        assertArrayEquals(bits(second.params()), bits(read.params()));
        assertFalse(Arrays.equals(bits(first.params()), bits(read.params())));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(1, files.count());
        }
    }

    @Test
    void shouldCreateMissingDirectoriesWhenWriting() {
        Path file = dir.resolve("runs/1/model.zip");

        ModelArtifact.write(file, trainedLogistic(7), description(7));

        assertEquals(15, ModelArtifact.read(file).model().numParams());
    }

    // ---------------------------------------------------------------- refusals

    @Test
    void shouldRefuseWhenAByteInsideParametersIsFlipped() throws IOException {
        Path good = writeModel("model.zip", trainedLogistic(7));
        Path bad = rezip(good, "flipped.zip", list -> {
            int at = indexOf(list, ModelArtifact.PARAMETERS);
            byte[] bytes = list.get(at).bytes().clone();
            bytes[bytes.length - 3] ^= 0x01;
            list.set(at, new Entry(ModelArtifact.PARAMETERS, bytes));
        });

        assertRefused(bad, "parameters.bin", "SHA-256");
    }

    @Test
    void shouldRefuseWhenManifestIsTampered() throws IOException {
        Path good = writeModel("model.zip", trainedLogistic(7));
        Path bad = rezip(good, "tampered.zip", list -> {
            int at = indexOf(list, ModelArtifact.MANIFEST);
            String text = new String(list.get(at).bytes(), StandardCharsets.UTF_8).replace("versicolor", "versicolour");
            list.set(at, new Entry(ModelArtifact.MANIFEST, text.getBytes(StandardCharsets.UTF_8)));
        });

        assertRefused(bad, "manifest.json", "SHA-256");
    }

    @Test
    void shouldRefuseWhenConfigurationIsChangedEvenIfManifestShaIsRecomputed() throws IOException {
        Path good = writeModel("model.zip", trainedLogistic(7));
        Path bad = rezip(good, "config.zip", list -> {
            int at = indexOf(list, ModelArtifact.CONFIGURATION);
            String text = new String(list.get(at).bytes(), StandardCharsets.UTF_8) + "\n";
            list.set(at, new Entry(ModelArtifact.CONFIGURATION, text.getBytes(StandardCharsets.UTF_8)));
            editManifest(list, m -> m.put("seed", 7));
        });

        assertRefused(bad, "configuration.json", "SHA-256");
    }

    @ParameterizedTest(name = "keep {0} of the bytes")
    @ValueSource(strings = {"0.5", "0.9", "-10", "-22", "-1", "0.1", "30"})
    void shouldRefuseWhenZipIsTruncated(String keep) throws IOException {
        byte[] whole = Files.readAllBytes(writeModel("model.zip", trainedLogistic(7)));
        double k = Double.parseDouble(keep);
        int length = k < 0 ? whole.length + (int) k : k < 1 ? (int) (whole.length * k) : (int) k;
        Path bad = Files.write(dir.resolve("truncated.zip"), Arrays.copyOf(whole, length));

        assertRefused(bad);
    }

    @Test
    void shouldLoadTheSameModelWhenBytesAreAppendedAfterTheZip() throws IOException {
        // Bytes after the zip's end record are outside the archive (the JDK's ZipFile ignores
        // them); every entry inside is still verified, so the model is exactly the original.
        AveronModel model = trainedLogistic(7);
        byte[] whole = Files.readAllBytes(writeModel("model.zip", model));
        Path appended = Files.write(dir.resolve("appended.zip"), Arrays.copyOf(whole, whole.length + 100));

        assertEquals(model.params(), ModelArtifact.read(appended).model().params());
    }

    @Test
    void shouldRefuseWhenAnUnknownEntryIsAdded() throws IOException {
        Path good = writeModel("model.zip", trainedLogistic(7));
        Path bad = rezip(good, "extra.zip", list -> list.add(new Entry("notes.txt", "hello".getBytes(StandardCharsets.UTF_8))));

        assertRefused(bad, "unexpected entry 'notes.txt'");
    }

    @Test
    void shouldRefuseWhenAnUnlistedUpdaterEntryIsAdded() throws IOException {
        UpdaterSpec sgd = new UpdaterSpec(Optimizer.SGD, 0.1, LrSchedule.CONSTANT, 1.0, 1, 1);
        AveronModel model = ModelFactory.create(ModelSpec.parse("logistic"), new int[] {4}, 3, sgd, 5);
        Path good = writeModel("sgd.zip", model);
        Path bad = rezip(good, "extra-updater.zip", list -> list.add(
                new Entry(ModelArtifact.UPDATER, FloatVectorCodec.encode(Nd4j.zeros(DataType.FLOAT, 15)))));

        assertRefused(bad, "updater.bin", "not listed");
    }

    @Test
    void shouldRefuseWhenManifestIsNotTheFirstEntry() throws IOException {
        Path good = writeModel("model.zip", trainedLogistic(7));
        Path bad = rezip(good, "reordered.zip", list -> list.add(0, list.remove(indexOf(list, ModelArtifact.CONFIGURATION))));

        assertRefused(bad, "first entry is 'configuration.json'", "manifest.json");
    }

    @Test
    void shouldRefuseWhenAnEntryIsDuplicated() throws IOException {
        Path good = writeModel("model.zip", trainedLogistic(7));
        List<Entry> list = entries(good);
        // ZipOutputStream refuses duplicate names: write a same-length alias, then patch the name bytes.
        list.add(new Entry("parameters.biX", list.get(indexOf(list, ModelArtifact.PARAMETERS)).bytes()));
        byte[] bytes = zip(list);
        replaceAll(bytes, "parameters.biX", "parameters.bin");
        Path bad = Files.write(dir.resolve("duplicate.zip"), bytes);

        assertRefused(bad, "duplicate entry 'parameters.bin'");
    }

    private static void replaceAll(byte[] bytes, String from, String to) {
        byte[] f = from.getBytes(StandardCharsets.US_ASCII);
        byte[] t = to.getBytes(StandardCharsets.US_ASCII);
        int replaced = 0;
        for (int i = 0; i + f.length <= bytes.length; i++) {
            if (Arrays.equals(bytes, i, i + f.length, f, 0, f.length)) {
                System.arraycopy(t, 0, bytes, i, t.length);
                replaced++;
            }
        }
        assertEquals(2, replaced, "local header and central directory");
    }

    @Test
    void shouldRefuseWhenFileIsRandomBytes() throws IOException {
        byte[] noise = new byte[4096];
        new Random(3).nextBytes(noise);
        Path bad = Files.write(dir.resolve("noise.zip"), noise);

        assertRefused(bad, "not a valid model zip");
    }

    @Test
    void shouldRefuseWhenFileIsEmpty() throws IOException {
        Path bad = Files.write(dir.resolve("empty.zip"), new byte[0]);

        assertRefused(bad, "not a valid model zip", "empty");
    }

    @Test
    void shouldRefuseWhenFileIsMissing() {
        assertRefused(dir.resolve("absent.zip"), "no such file");
    }

    @Test
    void shouldRefuseWhenFormatVersionIsNewerEvenWithACorrectManifestSha() throws IOException {
        Path good = writeModel("model.zip", trainedLogistic(7));
        Path bad = rezip(good, "v2.zip", list -> editManifest(list, m -> m.put("format_version", 2)));

        assertRefused(bad, "format version 2", "not supported");
    }

    @Test
    void shouldRefuseWhenFormatIsNotAveron() throws IOException {
        Path good = writeModel("model.zip", trainedLogistic(7));
        Path bad = rezip(good, "other.zip", list -> editManifest(list, m -> m.put("format", "keras")));

        assertRefused(bad, "not an Averon model", "keras");
    }

    @Test
    void shouldRefuseWhenManifestClaimsMoreParametersThanTheConfigurationHas() throws IOException {
        Path good = writeModel("model.zip", trainedLogistic(7));
        Path bad = rezip(good, "count.zip", list -> editManifest(list, m -> m.put("parameter_count", 16)));

        assertRefused(bad, "15 parameters", "manifest says 16");
    }

    @Test
    void shouldRefuseWhenManifestClaimsFewerParametersThanStored() throws IOException {
        Path good = writeModel("model.zip", trainedLogistic(7));
        Path bad = rezip(good, "count.zip", list -> editManifest(list, m -> m.put("parameter_count", 14)));

        assertRefused(bad, "15 parameters", "manifest says 14");
    }

    @Test
    void shouldRefuseWhenManifestListsAnEntryTheZipLacks() throws IOException {
        Path good = writeModel("model.zip", trainedLogistic(7));
        Path bad = rezip(good, "missing.zip", list -> list.remove(indexOf(list, ModelArtifact.UPDATER)));

        assertRefused(bad, "updater.bin", "missing");
    }

    @Test
    void shouldRefuseWhenParametersHaveTheWrongLengthButAMatchingSha() throws IOException {
        Path good = writeModel("model.zip", trainedLogistic(7));
        Path bad = rezip(good, "short-params.zip", list -> {
            byte[] shorter = FloatVectorCodec.encode(Nd4j.zeros(DataType.FLOAT, 14));
            list.set(indexOf(list, ModelArtifact.PARAMETERS), new Entry(ModelArtifact.PARAMETERS, shorter));
            editManifest(list, m -> ((ObjectNode) m.get("entries")).put(ModelArtifact.PARAMETERS, sha256(shorter)));
        });

        assertRefused(bad, "parameters.bin", "14 values", "needs 15");
    }

    @Test
    void shouldRefuseNamingTheFileWhenConfigurationIsNotDl4jJson() throws IOException {
        Path good = writeModel("model.zip", trainedLogistic(7));
        Path bad = rezip(good, "bad-config.zip", list -> {
            byte[] junk = "{\"confs\": [ {\"layer\": 12".getBytes(StandardCharsets.UTF_8);
            list.set(indexOf(list, ModelArtifact.CONFIGURATION), new Entry(ModelArtifact.CONFIGURATION, junk));
            editManifest(list, m -> ((ObjectNode) m.get("entries")).put(ModelArtifact.CONFIGURATION, sha256(junk)));
        });

        assertRefused(bad, "invalid configuration.json");
    }

    // ---------------------------------------------------------------- compatibility fixture

    @Test
    void shouldReadTheVersion1FixtureWhenItWasWrittenByAnEarlierBuild() throws IOException, URISyntaxException {
        URL resource = ModelArtifactTest.class.getResource(FIXTURE);
        assertNotNull(resource, FIXTURE + " is on the test classpath");
        Path fixture = Path.of(resource.toURI());

        ModelArtifact artifact = ModelArtifact.read(fixture);

        Manifest m = artifact.manifest();
        assertEquals("averon-model", m.format());
        assertEquals(1, m.formatVersion());
        assertEquals(AveronModel.Kind.MULTI_LAYER_NETWORK, m.modelKind());
        assertEquals(CLASSES, m.classNames());
        assertArrayEquals(new int[] {4}, m.inputShape());
        assertEquals(Normalizer.Kind.STANDARDIZE, m.normalizer().kind());
        assertEquals(new SplitSpec(SplitSpec.Kind.RANDOM, 0.2, 7), m.split());
        assertEquals(7, m.seed());
        assertEquals(15, m.parameterCount());
        assertEquals("logistic", m.training().get("model"));
        assertTrue(m.versions().containsKey("averon"), "versions: " + m.versions());
        assertEquals(15, artifact.model().numParams());
        INDArray out = artifact.model().output(fixedInput());
        assertArrayEquals(new long[] {3, 3}, out.shape());
        for (int r = 0; r < 3; r++) {
            double sum = 0;
            for (int c = 0; c < 3; c++) {
                double p = out.getDouble(r, c);
                assertTrue(Double.isFinite(p) && p >= 0 && p <= 1, "row " + r + " probability " + p);
                sum += p;
            }
            assertEquals(1.0, sum, 1e-5, "row " + r + " sums to 1");
        }
        try (InputStream in = ModelArtifactTest.class.getResourceAsStream(FIXTURE)) {
            ModelArtifact fromStream = ModelArtifact.read(in, "fixture");
            assertArrayEquals(bits(artifact.model().params()), bits(fromStream.model().params()));
        }
    }
}
