package io.averon.core.report;

import io.averon.core.data.ArrayDataSet;
import io.averon.core.data.Labels;
import io.averon.core.io.Location;
import io.averon.core.model.AveronModel;
import io.averon.core.model.ModelFactory;
import io.averon.core.model.ModelSpec;
import io.averon.core.model.UpdaterSpec;
import io.averon.core.train.EpochRecord;
import io.averon.core.train.Evaluator;
import io.averon.core.train.LocalTrainer;
import io.averon.core.train.TrainingConfig;
import io.averon.core.train.TrainingListener;
import io.averon.core.train.TrainingResult;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RunReportTest {

    /** A class name a user's data could hold: it must reach the page as text, never as markup. */
    static final String SCRIPT_CLASS = "<script>alert('x')</script>";
    static final List<String> CLASSES = List.of("band top", SCRIPT_CLASS, "band & bottom");
    static final int SIDE = 8;
    static final Pattern IMG_SRC = Pattern.compile("<img[^>]*\\ssrc=\"([^\"]*)\"");

    static ArrayDataSet train;
    static ArrayDataSet test;
    static AveronModel model;
    static TrainingResult result;

    @TempDir
    Path tmp;

    /** 8x8 grey images; class c is a bright band of two rows at 3c (as normalised features, 0..1). */
    static ArrayDataSet bands(String name, int n, long seed) {
        Random random = new Random(seed);
        float[] x = new float[n * SIDE * SIDE];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            int c = random.nextInt(CLASSES.size());
            y[i] = c;
            for (int p = 0; p < SIDE * SIDE; p++) {
                int row = p / SIDE;
                boolean band = row == 3 * c || row == 3 * c + 1;
                x[i * SIDE * SIDE + p] = band ? 0.7f + 0.3f * random.nextFloat() : 0.3f * random.nextFloat();
            }
        }
        return new ArrayDataSet(name, new int[] {1, SIDE, SIDE}, x, new Labels.Classes(y, CLASSES));
    }

    @BeforeAll
    static void train() {
        train = bands("train", 300, 1);
        test = bands("test", 90, 2);
        model = ModelFactory.create(ModelSpec.parse("mlp"), train.exampleShape(), CLASSES.size(),
                UpdaterSpec.adam(0.01), 7);
        TrainingConfig config = TrainingConfig.builder().epochs(2).batchSize(32).seed(7).build();
        result = new LocalTrainer(config).fit(model, train, test, TrainingListener.NONE);
    }

    static RunReport classificationReport() {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("model", "mlp");
        config.put("epochs", 2);
        config.put("native", Map.of("threads", 1));
        XYChart extra = new XYChartBuilder().width(300).height(200).title("extra").build();
        extra.addSeries("y = x\u00b2", new double[] {0, 1, 2, 3}, new double[] {0, 1, 4, 9});
        return RunReport.builder("bands <run>").config(config).epochs(result.epochs())
                .finalMetrics(result.finalMetrics()).hardExamples(HardExamples.find(model, test, 6))
                .figure("an extra chart", extra).note("baseline 0.33, model better").build();
    }

    @Test
    void shouldShowEverySectionWhenReportingAClassificationRun() {
        String html = classificationReport().toHtml();

        for (String id : List.of("summary", "config", "curves", "time", "confusion", "hard-examples", "figures")) {
            assertTrue(html.contains("<section id=\"" + id + "\">"), "section " + id);
        }
        assertTrue(html.contains("<table id=\"per-class\">"));
        assertTrue(html.contains("baseline 0.33, model better"), "the note");
        assertTrue(html.contains("Final metrics on the held-out split"));
        assertEquals(4 + 1 + 6, images(html).size(), "loss, accuracy, time and confusion charts, the extra figure "
                + "and 6 hard examples");
        assertTrue(html.contains(" / predicted "), "hard examples are captioned with true and predicted labels");
        assertFalse(html.contains("<script"), "no JavaScript");
        assertFalse(html.matches("(?s).*(src|href)=\"(https?:|file:|//).*"), "no external resources");
    }

    @Test
    void shouldEmbedEveryImageAsADecodableNonBlankPngWhenRendered() throws IOException {
        for (String src : images(classificationReport().toHtml())) {
            assertTrue(src.startsWith("data:image/png;base64,"), src.substring(0, Math.min(40, src.length())));
            BufferedImage image = ImageIO.read(new ByteArrayInputStream(
                    Base64.getDecoder().decode(src.substring("data:image/png;base64,".length()))));
            assertNotNull(image, "decodes as an image");
            assertTrue(distinctColours(image) > 1, "drawn, not blank: " + image.getWidth() + "x" + image.getHeight());
        }
    }

    @Test
    void shouldEscapeClassNamesWhenTheyContainMarkup() {
        String html = classificationReport().toHtml();

        assertFalse(html.contains(SCRIPT_CLASS));
        assertTrue(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"), "shown as text in the tables");
        assertTrue(html.contains("band &amp; bottom"));
        assertTrue(html.contains("<h1>bands &lt;run&gt;</h1>"));
    }

    @Test
    void shouldReturnTheKHighestLossExamplesInOrderWhenFindingHardExamples() {
        // 1500 examples: more than one evaluation minibatch (1000); the brute force below takes them all at once
        ArrayDataSet data = bands("many", 1500, 3);
        AveronModel untrained = ModelFactory.create(ModelSpec.parse("mlp"), data.exampleShape(), CLASSES.size(),
                UpdaterSpec.adam(0.01), 11);
        INDArray probabilities = untrained.output(Nd4j.create(data.features(), new long[] {data.size(),
                SIDE * SIDE}, 'c'));
        int[] labels = data.classes().values();
        double[] loss = new double[data.size()];
        for (int i = 0; i < data.size(); i++) {
            loss[i] = -Math.log(Math.max(probabilities.getDouble(i, labels[i]), 1e-7));
        }
        List<Integer> expected = IntStream.range(0, data.size()).boxed()
                .sorted(Comparator.comparingDouble((Integer i) -> -loss[i]).thenComparingInt(i -> i)).limit(7).toList();

        List<HardExample> found = HardExamples.find(untrained, data, 7);

        assertEquals(expected, found.stream().map(HardExample::index).toList());
        for (HardExample e : found) {
            assertEquals(loss[e.index()], e.loss(), 1e-4);
            assertEquals(CLASSES.get(labels[e.index()]), e.trueLabel());
            int predicted = probabilities.getRow(e.index()).argMax().getInt(0);
            assertEquals(CLASSES.get(predicted), e.predictedLabel());
            assertEquals(probabilities.getDouble(e.index(), predicted), e.probability(), 1e-5);
            assertEquals(List.of(1, SIDE, SIDE), List.of(e.shape()[0], e.shape()[1], e.shape()[2]));
            assertEquals(data.features()[e.index() * SIDE * SIDE + 5], e.features()[5]);
        }
        assertEquals(data.size(), HardExamples.find(untrained, data, 5000).size(), "k above the size: all of them");
    }

    @Test
    void shouldRankBySquaredErrorAndLeaveOutTheConfusionMatrixWhenTheModelIsARegression() {
        AveronModel line = ModelFactory.create(ModelSpec.parse("linear"), new int[] {1}, 1, UpdaterSpec.adam(0.01), 1);
        line.setParams(Nd4j.create(new float[] {2, 1}, new long[] {1, 2}, 'c')); // y = 2x + 1
        ArrayDataSet data = new ArrayDataSet("line", new int[] {1}, new float[] {0, 1, 2, 3, 4},
                new Labels.Targets(new float[] {1, 5, 5, 4, 9.5f})); // errors 0, 2, 0, -3, -0.5

        List<HardExample> found = HardExamples.find(line, data, 3);

        assertEquals(List.of(3, 1, 4), found.stream().map(HardExample::index).toList());
        assertEquals(9.0, found.get(0).loss(), 1e-5);
        assertEquals("4", found.get(0).trueLabel());
        assertEquals("7", found.get(0).predictedLabel());
        assertTrue(Double.isNaN(found.get(0).probability()));

        var metrics = Evaluator.evaluate(line, data);
        String html = RunReport.builder("line").epochs(List.of(new EpochRecord(1, 3.0, null, metrics, 5, 0.5),
                new EpochRecord(2, 2.0, null, metrics, 5, 0.4))).finalMetrics(metrics).hardExamples(found).build()
                .toHtml();
        assertFalse(html.contains("id=\"confusion\""));
        assertTrue(html.contains("<table id=\"hard-table\">"), "tabular examples as a table, not as images");
        assertTrue(html.contains("<td>4</td><td>7</td>"), "true and predicted values of the worst example");
        assertEquals(3, images(html).size(), "loss, R\u00b2 and time charts");
    }

    @Test
    void shouldUseTheLatestEpochWhenTheRunIsStillGoing() {
        List<EpochRecord> oneEpoch = result.epochs().subList(0, 1);
        String html = RunReport.builder("running").epochs(oneEpoch).build().toHtml();

        assertTrue(html.contains("after epoch 1"));
        assertTrue(html.contains("<section id=\"confusion\">"), "the latest epoch's confusion matrix");
        assertFalse(html.contains("id=\"hard-examples\""), "no hard examples until the end");
    }

    /** The run's two epochs as three workers reported them, with {@code lag(epoch)} as the round lag. */
    static List<EpochRecord> distributed(IntFunction<double[]> lag) {
        return result.epochs().stream().map(e -> new EpochRecord(e.epoch(), e.trainLoss(), e.train(), e.test(),
                e.examples(), e.wallSeconds(), new EpochRecord.Distributed(3, new double[] {1.5, 1.4, 0.2},
                new double[] {2.0, 2.1, 3.3}, new int[] {0, 0, 0}, new int[] {1, 1, 1}, lag.apply(e.epoch()))))
                .toList();
    }

    @Test
    void shouldNameTheWorkerTheRoundsWaitedForWhenTheRoundLagWasMeasured() {
        String html = RunReport.builder("straggler").epochs(distributed(epoch -> new double[] {0, 0.02 * epoch,
                1.25 * epoch})).build().toHtml();

        assertTrue(html.contains("<section id=\"workers\">"), "a distributed run's workers");
        assertTrue(html.contains("The rounds waited longest for worker 2: its contributions completed 3.75 s after "
                + "each round's first, summed over the run (the other workers: at most 0.06 s)."), html);
        assertTrue(html.contains("<th>late in the rounds</th>"));
        assertTrue(html.contains("<tr><td class=\"num\">2</td><td class=\"num\">6.6</td><td class=\"num\">0.4</td>"
                + "<td class=\"num\">3.75</td></tr>"), "worker 2's compute, sync and lag over both epochs");
        assertFalse(classificationReport().toHtml().contains("id=\"workers\""), "the local engine has no workers");
    }

    @Test
    void shouldShowTheWorkersWithoutNamingOneWhenTheRoundLagWasNotMeasured() {
        String html = RunReport.builder("external server").epochs(distributed(epoch -> null)).build().toHtml();

        assertTrue(html.contains("<table id=\"worker-times\">"));
        assertFalse(html.contains("late in the rounds"), "no column for what was not measured");
        assertFalse(html.contains("waited longest"));
    }

    @Test
    void shouldWriteTheReportAtomicallyWhenGivenALocation() throws IOException {
        RunReport report = classificationReport();
        Path file = tmp.resolve("run/report.html");

        report.write(Location.of(file));

        assertEquals(report.toHtml(), Files.readString(file, StandardCharsets.UTF_8));
        try (Stream<Path> files = Files.list(file.getParent())) {
            assertEquals(List.of("report.html"), files.map(p -> p.getFileName().toString()).toList(),
                    "no temporary file left behind");
        }
    }

    static List<String> images(String html) {
        List<String> out = new ArrayList<>();
        Matcher m = IMG_SRC.matcher(html);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    static int distinctColours(BufferedImage image) {
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                colours.add(image.getRGB(x, y));
            }
        }
        return colours.size();
    }
}
