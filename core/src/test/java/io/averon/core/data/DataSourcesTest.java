package io.averon.core.data;

import io.averon.core.InvalidInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static io.averon.core.InvalidInputAssertions.assertInvalidInput;
import static io.averon.core.data.IdxTestFiles.gzip;
import static io.averon.core.data.IdxTestFiles.imagesFile;
import static io.averon.core.data.IdxTestFiles.labelsFile;
import static io.averon.core.data.IdxTestFiles.pixel;
import static io.averon.core.data.IdxTestFiles.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DataSourcesTest {

    private static final int ROWS = 100;

    @TempDir
    Path dir;

    /** An MNIST-style directory: 5 training and 3 test images of 4x4, gzip-compressed. */
    private Path idxDirectory(String name) {
        Path idx = dir.resolve(name);
        write(idx.resolve("train-images-idx3-ubyte.gz"), gzip(imagesFile(5, 4, 4)));
        write(idx.resolve("train-labels-idx1-ubyte.gz"), gzip(labelsFile(0, 3, 9, 1, 7)));
        write(idx.resolve("t10k-images-idx3-ubyte.gz"), gzip(imagesFile(3, 4, 4)));
        write(idx.resolve("t10k-labels-idx1-ubyte.gz"), gzip(labelsFile(2, 2, 5)));
        return idx;
    }

    /** Row i: id = i, a value around 1000, a class; the id feature tells the rows apart after the split. */
    private Path csv() throws IOException {
        StringBuilder text = new StringBuilder("id,level,label\n");
        for (int i = 0; i < ROWS; i++) {
            text.append(i).append(',').append(String.format(Locale.ROOT, "%.3f", 1000 + 50 * Math.sin(i)))
                    .append(',').append(i % 3 == 0 ? "yes" : "no").append('\n');
        }
        return Files.writeString(dir.resolve("table.csv"), text, StandardCharsets.UTF_8);
    }

    private static DataSpec csvSpec(Path file) {
        return DataSpec.builder(file.toString()).labelColumn("label").validationSplit(0.25).build();
    }

    @Test
    void shouldGiveProvidedSplitScaledToUnitRangeWhenDataIsAnIdxDirectory() {
        Path idx = idxDirectory("digits");

        TrainTestData data = DataSources.loadForTraining(DataSpec.builder(idx.toString()).build(), 1);

        assertEquals(DataSources.Kind.IDX_DIRECTORY, DataSources.kindOf(idx));
        assertEquals(SplitSpec.Kind.PROVIDED, data.split().kind());
        assertEquals(Normalizer.Kind.SCALE, data.normalizer().kind());
        assertEquals(1f / 255f, data.normalizer().scale());
        assertEquals(5, data.train().size());
        assertEquals(3, data.test().size());
        assertArrayEquals(new int[] {1, 4, 4}, data.train().exampleShape());
        assertArrayEquals(new int[] {2, 2, 5}, data.test().classes().values());
        assertEquals(10, data.train().classes().numClasses());
        for (ArrayDataSet part : List.of(data.train(), data.test())) {
            float[] x = part.features();
            for (int i = 0; i < x.length; i++) {
                assertEquals(pixel(i / 16, i % 16) / 255f, x[i], 1e-6f, "value " + i + " of " + part.name());
                assertTrue(x[i] >= 0f && x[i] <= 1f, "value " + i + " outside [0, 1]: " + x[i]);
            }
        }
        assertEquals(1f, data.train().features()[0], 1e-6f, "255 scales to 1");
    }

    @Test
    void shouldUseFashionMnistClassNamesWhenIdxDirectoryIsNamedFashion() {
        Path idx = idxDirectory("my-fashion-data");

        TrainTestData data = DataSources.loadForTraining(DataSpec.builder(idx.toString()).build(), 1);

        assertEquals(DataSources.FASHION_MNIST_CLASSES, data.train().classNames());
        assertEquals("Ankle boot", data.train().classNames().get(9));
    }

    @Test
    void shouldReadTheTestFilesScaledWhenLoadingIdxDirectoryForEvaluation() {
        Path idx = idxDirectory("digits");
        TrainTestData training = DataSources.loadForTraining(DataSpec.builder(idx.toString()).build(), 1);

        ArrayDataSet test = DataSources.loadForEvaluation(DataSpec.builder(idx.toString()).build(),
                training.train().classNames(), new int[] {1, 4, 4}, training.normalizer(), training.split());

        assertArrayEquals(training.test().features(), test.features());
        assertArrayEquals(training.test().classes().values(), test.classes().values());
    }

    @Test
    void shouldNameTheFourExpectedFilesWhenIdxDirectoryLacksTestFiles() throws IOException {
        Path idx = idxDirectory("partial");
        Files.delete(idx.resolve("t10k-images-idx3-ubyte.gz"));

        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> DataSources.loadForTraining(DataSpec.builder(idx.toString()).build(), 1));

        assertTrue(e.getMessage().contains("t10k-images-idx3-ubyte[.gz]: no such file"), e.getMessage());
    }

    @Test
    void shouldSplitRandomlyAndStandardizeOnTrainOnlyWhenDataIsCsv() throws IOException {
        Path file = csv();

        TrainTestData data = DataSources.loadForTraining(csvSpec(file), 11);

        assertEquals(new SplitSpec(SplitSpec.Kind.RANDOM, 0.25, 11), data.split());
        assertEquals(75, data.train().size());
        assertEquals(25, data.test().size());
        Normalizer normalizer = data.normalizer();
        assertEquals(Normalizer.Kind.STANDARDIZE, normalizer.kind());
        float[] x = data.train().features();
        for (int j = 0; j < 2; j++) {
            double sum = 0;
            double sumSq = 0;
            for (int i = 0; i < 75; i++) {
                sum += x[i * 2 + j];
                sumSq += x[i * 2 + j] * x[i * 2 + j];
            }
            assertEquals(0, sum / 75, 1e-4, "train mean of feature " + j);
            assertEquals(1, Math.sqrt(sumSq / 75), 1e-3, "train std of feature " + j);
        }
        // Undo the normalisation: the ids must be the 100 original rows, split disjointly.
        List<Integer> trainIds = ids(data.train(), normalizer);
        List<Integer> testIds = ids(data.test(), normalizer);
        Set<Integer> all = new HashSet<>(trainIds);
        all.addAll(testIds);
        assertEquals(ROWS, all.size(), "train and test are disjoint and cover every row");
        double trainIdMean = trainIds.stream().mapToInt(Integer::intValue).average().orElseThrow();
        assertNotEquals((ROWS - 1) / 2.0, trainIdMean, 1e-3, "this split's train mean differs from the whole data's");
        assertEquals(trainIdMean, normalizer.mean()[0], 1e-3, "mean fitted on the training rows only");
        assertNotEquals(java.util.stream.IntStream.range(75, ROWS).boxed().toList(), testIds,
                "a random split, not the tail");
    }

    private static List<Integer> ids(ArrayDataSet part, Normalizer normalizer) {
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < part.size(); i++) {
            float id = part.features()[i * 2] * normalizer.std()[0] + normalizer.mean()[0];
            ids.add(Math.round(id));
            assertEquals(Math.round(id), id, 1e-3, "row " + i + " of " + part.name() + " is an original row");
        }
        return ids;
    }

    @Test
    void shouldRepeatTheSplitWhenSeedIsTheSameAndChangeItWhenSeedDiffers() throws IOException {
        Path file = csv();

        TrainTestData first = DataSources.loadForTraining(csvSpec(file), 11);
        TrainTestData again = DataSources.loadForTraining(csvSpec(file), 11);
        TrainTestData other = DataSources.loadForTraining(csvSpec(file), 12);

        assertEquals(ids(first.test(), first.normalizer()), ids(again.test(), again.normalizer()));
        assertArrayEquals(first.test().features(), again.test().features());
        assertNotEquals(ids(first.test(), first.normalizer()), ids(other.test(), other.normalizer()));
    }

    @Test
    void shouldRecreateTheHeldOutSplitWhenLoadingCsvForEvaluation() throws IOException {
        Path file = csv();
        TrainTestData training = DataSources.loadForTraining(csvSpec(file), 11);

        ArrayDataSet test = DataSources.loadForEvaluation(csvSpec(file), training.train().classNames(),
                new int[] {2}, training.normalizer(), training.split());

        assertArrayEquals(training.test().features(), test.features());
        assertArrayEquals(training.test().classes().values(), test.classes().values());
    }

    @Test
    void shouldSayNoSuchFileOrDirectoryWhenPathIsMissing() {
        String missing = dir.resolve("absent.csv").toString();

        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> DataSources.loadForTraining(DataSpec.builder(missing).build(), 1));

        assertEquals(missing + ": no such file or directory", e.getMessage());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldResolveFashionMnistAliasToAveronDataWhenItHoldsTheFiles() throws Exception {
        idxDirectory("fashion-mnist");

        String out = runAliasProbe(dir.toString());

        assertTrue(out.contains("RESOLVED: " + dir.resolve("fashion-mnist")), out);
        assertTrue(out.contains("CLASSES: " + DataSources.FASHION_MNIST_CLASSES), out);
    }

    @Test
    void shouldExplainWhereToPutFashionMnistWhenItIsNowhere() {
        Path noSystemCopy = dir.resolve("no-such-system-dir");

        String message = assertInvalidInput(() -> DataSources.fashionMnistDirectory(dir.toString(), noSystemCopy),
                "Fashion-MNIST not found in " + noSystemCopy + " or " + dir.resolve("fashion-mnist") + ": ",
                "apt-get install dataset-fashion-mnist", "$AVERON_DATA/fashion-mnist");
        String blank = assertInvalidInput(() -> DataSources.fashionMnistDirectory(" ", noSystemCopy));

        assertTrue(message.startsWith("Fashion-MNIST not found"), message);
        assertTrue(blank.startsWith("Fashion-MNIST not found in " + noSystemCopy + ": "),
                "a blank AVERON_DATA is not a place: " + blank);
    }

    private static String runAliasProbe(String averonData) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), FashionMnistAliasProbe.class.getName())
                .redirectErrorStream(true);
        builder.environment().put("AVERON_DATA", averonData);
        Process process = builder.start();
        byte[] output = process.getInputStream().readAllBytes();
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), "probe did not finish");
        String text = new String(output, StandardCharsets.UTF_8);
        assertEquals(0, process.exitValue(), text);
        return text;
    }
}
