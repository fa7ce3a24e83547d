package io.averon.core.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("fast")
class ClassificationMetricsTest {

    private static final List<String> NAMES = List.of("cat", "dog", "bird");

    /*
     * 3 classes, 6 rows, k = 2. Per row: probabilities, true label, argmax, classes with a strictly
     * greater probability than the true class (top-2 hit when < 2), and p_true for the loss.
     *   r0 [0.7 0.2 0.1] label 0 -> pred 0, greater 0, hit, p 0.7
     *   r1 [0.1 0.6 0.3] label 1 -> pred 1, greater 0, hit, p 0.6
     *   r2 [0.5 0.4 0.1] label 1 -> pred 0, greater 1, hit, p 0.4
     *   r3 [0.2 0.2 0.6] label 2 -> pred 2, greater 0, hit, p 0.6
     *   r4 [0.3 0.3 0.4] label 0 -> pred 2, greater 1 (the tie with 0.3 is not greater), hit, p 0.3
     *   r5 [0.5 0.5 0.0] label 2 -> pred 0 (tie: lowest index), greater 2, miss, p 0 -> clamped 1e-7
     * Confusion (actual x predicted): [1 0 1] [1 1 0] [1 0 1].
     */
    private static final float[] PROBS = {
        0.7f, 0.2f, 0.1f,
        0.1f, 0.6f, 0.3f,
        0.5f, 0.4f, 0.1f,
        0.2f, 0.2f, 0.6f,
        0.3f, 0.3f, 0.4f,
        0.5f, 0.5f, 0.0f,
    };
    private static final int[] LABELS = {0, 1, 1, 2, 0, 2};

    private static final double EXPECTED_LOSS = (-Math.log(0.7f) - Math.log(0.6f) - Math.log(0.4f)
            - Math.log(0.6f) - Math.log(0.3f) - Math.log(1e-7)) / 6;

    private static ClassificationMetrics sixRows() {
        ClassificationMetrics m = new ClassificationMetrics(3, 2);
        m.add(PROBS, 6, LABELS, 0);
        return m;
    }

    @Test
    void shouldComputeAccuracyTopKAndLossWhenRowsAddedInOneBatch() {
        ClassificationMetrics m = sixRows();
        assertEquals(6, m.count());
        assertEquals(2, m.topK());
        assertEquals(3.0 / 6, m.accuracy(), 1e-15);
        assertEquals(5.0 / 6, m.topKAccuracy(), 1e-15);
        assertEquals(EXPECTED_LOSS, m.meanLoss(), 1e-12);
    }

    @Test
    void shouldBuildConfusionMatrixWithLowestIndexWinningTiesWhenArgmaxIsTied() {
        long[][] expected = {{1, 0, 1}, {1, 1, 0}, {1, 0, 1}};
        long[][] actual = sixRows().confusionMatrix();
        for (int a = 0; a < 3; a++) {
            assertArrayEquals(expected[a], actual[a], "row " + a);
        }
    }

    @Test
    void shouldReturnCopyWhenConfusionMatrixIsModified() {
        ClassificationMetrics m = sixRows();
        m.confusionMatrix()[0][0] = 99;
        assertEquals(1, m.confusionMatrix()[0][0]);
    }

    @Test
    void shouldComputePerClassPrecisionRecallF1WhenGivenSmallExample() {
        ClassificationMetrics m = sixRows();
        // precision = diagonal / column sum: 1/3, 1/1, 1/2; recall = diagonal / row sum: 1/2 each.
        assertEquals(1.0 / 3, m.precision(0), 1e-15);
        assertEquals(1.0, m.precision(1), 1e-15);
        assertEquals(0.5, m.precision(2), 1e-15);
        for (int c = 0; c < 3; c++) {
            assertEquals(0.5, m.recall(c), 1e-15);
            assertEquals(2, m.support(c));
        }
        // f1 = 2pr/(p+r): (1/3)/(5/6) = 2/5, 1/(3/2) = 2/3, 0.5/1 = 1/2; macro = 47/90.
        assertEquals(0.4, m.f1(0), 1e-15);
        assertEquals(2.0 / 3, m.f1(1), 1e-15);
        assertEquals(0.5, m.f1(2), 1e-15);
        assertEquals(47.0 / 90, m.macroF1(), 1e-15);

        List<ClassStats> stats = m.perClass(NAMES);
        assertEquals(3, stats.size());
        assertEquals(new ClassStats("dog", 1.0, 0.5, m.f1(1), 2), stats.get(1));
        assertEquals("bird", stats.get(2).name());
    }

    @Test
    void shouldReturnZeroWhenPrecisionOrRecallDenominatorIsZero() {
        ClassificationMetrics m = new ClassificationMetrics(3, 1);
        // two rows of class 0, both predicted 0: class 1 and 2 never predicted and have no support.
        m.add(new float[] {0.9f, 0.05f, 0.05f, 0.8f, 0.1f, 0.1f}, 2, new int[] {0, 0}, 0);
        assertEquals(0.0, m.precision(1));
        assertEquals(0.0, m.recall(1));
        assertEquals(0.0, m.f1(2));
        assertEquals(0, m.support(2));
        assertEquals(1.0, m.f1(0), 1e-15);
        assertEquals(1.0 / 3, m.macroF1(), 1e-15);
    }

    @Test
    void shouldReturnNaNWhenNothingWasAdded() {
        ClassificationMetrics m = new ClassificationMetrics(3, 2);
        assertEquals(0, m.count());
        assertTrue(Double.isNaN(m.accuracy()));
        assertTrue(Double.isNaN(m.topKAccuracy()));
        assertTrue(Double.isNaN(m.meanLoss()));
        assertTrue(Double.isNaN(m.macroF1()));
        assertEquals(0.0, m.precision(0));
    }

    @Test
    void shouldReadLabelsFromOffsetWhenLabelOffsetGiven() {
        ClassificationMetrics m = new ClassificationMetrics(3, 2);
        int[] padded = new int[LABELS.length + 4];
        System.arraycopy(LABELS, 0, padded, 4, LABELS.length);
        m.add(PROBS, 6, padded, 4);
        assertEquals(sixRows().toJson(NAMES), m.toJson(NAMES));
    }

    @Test
    void shouldEqualSingleAccumulatorWhenTwoHalvesAreMerged() {
        ClassificationMetrics first = new ClassificationMetrics(3, 2);
        ClassificationMetrics second = new ClassificationMetrics(3, 2);
        first.add(PROBS, 3, LABELS, 0);
        second.add(Arrays.copyOfRange(PROBS, 9, 18), 3, LABELS, 3);
        first.merge(second);
        assertEquivalent(sixRows(), first);
        assertEquals(3, second.count(), "merge must not change its argument");
    }

    @Test
    void shouldEqualSingleAccumulatorWhenManyRandomPartitionsAreMerged() {
        Random random = new Random(42);
        int classes = 5;
        int rows = 1000;
        float[] probs = new float[rows * classes];
        int[] labels = new int[rows];
        for (int r = 0; r < rows; r++) {
            float sum = 0;
            for (int c = 0; c < classes; c++) {
                probs[r * classes + c] = random.nextInt(4) == 0 ? 0f : random.nextFloat();
                sum += probs[r * classes + c];
            }
            for (int c = 0; c < classes && sum > 0; c++) {
                probs[r * classes + c] /= sum;
            }
            labels[r] = random.nextInt(classes);
        }
        ClassificationMetrics all = new ClassificationMetrics(classes, 3);
        all.add(probs, rows, labels, 0);
        ClassificationMetrics driver = new ClassificationMetrics(classes, 3);
        int[] cuts = {0, 1, 137, 137, 600, 999, 1000};
        for (int i = 0; i + 1 < cuts.length; i++) {
            ClassificationMetrics partition = new ClassificationMetrics(classes, 3);
            int from = cuts[i];
            int n = cuts[i + 1] - from;
            partition.add(Arrays.copyOfRange(probs, from * classes, (from + n) * classes), n, labels, from);
            driver.merge(partition);
        }
        assertEquivalent(all, driver);
    }

    @Test
    void shouldSurviveJavaSerializationWhenShippedToDriver() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(sixRows());
        }
        ClassificationMetrics copy;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            copy = (ClassificationMetrics) in.readObject();
        }
        assertEquivalent(sixRows(), copy);
    }

    @Test
    void shouldRejectWhenLabelIsOutOfRange() {
        ClassificationMetrics m = new ClassificationMetrics(3, 2);
        int[] labels = {0, 3};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> m.add(PROBS, 2, labels, 0));
        assertTrue(e.getMessage().contains("row 1"), e.getMessage());
        assertEquals(0, m.count(), "a rejected batch must not be counted");
        assertThrows(IllegalArgumentException.class, () -> m.add(PROBS, 1, new int[] {-1}, 0));
        assertEquals(0, m.confusionMatrix()[0][0]);
    }

    @Test
    void shouldRejectWhenArraysAreTooShortOrArgumentsInvalid() {
        ClassificationMetrics m = new ClassificationMetrics(3, 2);
        assertThrows(IllegalArgumentException.class, () -> m.add(new float[5], 2, new int[2], 0));
        assertThrows(IllegalArgumentException.class, () -> m.add(new float[6], 2, new int[2], 1));
        assertThrows(IllegalArgumentException.class, () -> m.add(new float[6], -1, new int[2], 0));
        assertThrows(IllegalArgumentException.class, () -> new ClassificationMetrics(3, 0));
        assertThrows(IllegalArgumentException.class, () -> new ClassificationMetrics(3, 4));
        assertThrows(IllegalArgumentException.class, () -> m.precision(3));
        assertThrows(IllegalArgumentException.class, () -> m.perClass(List.of("a", "b")));
    }

    @Test
    void shouldRejectWhenMergingDifferentShapes() {
        ClassificationMetrics m = new ClassificationMetrics(3, 2);
        assertThrows(IllegalArgumentException.class, () -> m.merge(new ClassificationMetrics(4, 2)));
        assertThrows(IllegalArgumentException.class, () -> m.merge(new ClassificationMetrics(3, 1)));
    }

    @Test
    void shouldOrderByCountThenActualThenPredictedWhenListingMostConfused() {
        ClassificationMetrics m = new ClassificationMetrics(3, 1);
        List<int[]> cells = new ArrayList<>();
        addCell(cells, 0, 0, 5);
        addCell(cells, 2, 1, 3);
        addCell(cells, 0, 1, 1);
        addCell(cells, 1, 0, 2);
        addCell(cells, 0, 2, 2);
        float[] probs = new float[cells.size() * 3];
        int[] labels = new int[cells.size()];
        for (int r = 0; r < cells.size(); r++) {
            labels[r] = cells.get(r)[0];
            probs[r * 3 + cells.get(r)[1]] = 1f;
        }
        m.add(probs, cells.size(), labels, 0);

        List<ConfusedPair> expected = List.of(new ConfusedPair(2, 1, 3), new ConfusedPair(0, 2, 2),
                new ConfusedPair(1, 0, 2), new ConfusedPair(0, 1, 1));
        assertEquals(expected, m.mostConfused(10), "zero cells and the diagonal are left out");
        assertEquals(expected.subList(0, 2), m.mostConfused(2));
        assertEquals(List.of(), m.mostConfused(0));
        assertThrows(IllegalArgumentException.class, () -> m.mostConfused(-1));
    }

    @Test
    void shouldListClassNamesAndAccuracyWhenFormattingReport() {
        List<String> names = List.of("cat", "dog", "a-very-long-class-name");
        String report = sixRows().formatReport(names);
        assertTrue(report.contains("0.5000"), report);
        assertTrue(report.contains("0.8333"), report);
        assertTrue(report.contains("top-2 accuracy"), report);
        for (String name : names) {
            assertTrue(report.contains(name), report);
        }
        assertTrue(report.contains("a-very-long~"), "matrix header truncates long names:\n" + report);
        assertTrue(sixRows().formatReport(null).contains("actual\\pred"));
    }

    @Test
    void shouldUseExactKeysAndValuesWhenConvertedToJson() throws Exception {
        Map<String, Object> json = sixRows().toJson(NAMES);
        assertEquals(List.of("test_accuracy", "test_loss", "top_k", "top_k_accuracy", "macro_f1", "class_names",
                "per_class", "confusion_matrix"), new ArrayList<>(json.keySet()));
        assertEquals(0.5, json.get("test_accuracy"));
        assertEquals(2, json.get("top_k"));
        assertEquals(NAMES, json.get("class_names"));
        assertEquals(List.of(List.of(1L, 0L, 1L), List.of(1L, 1L, 0L), List.of(1L, 0L, 1L)),
                json.get("confusion_matrix"));
        List<?> perClass = (List<?>) json.get("per_class");
        Map<?, ?> dog = (Map<?, ?>) perClass.get(1);
        assertEquals(List.of("name", "precision", "recall", "f1", "support"), new ArrayList<>(dog.keySet()));
        assertEquals("dog", dog.get("name"));
        assertEquals(2L, dog.get("support"));

        String text = new ObjectMapper().writeValueAsString(json);
        assertTrue(text.startsWith("{\"test_accuracy\":0.5,"), text);
        assertTrue(text.contains("\"top_k\":2,"), text);
        assertTrue(text.contains("\"confusion_matrix\":[[1,0,1],[1,1,0],[1,0,1]]"), text);
    }

    private static void addCell(List<int[]> cells, int actual, int predicted, int times) {
        for (int i = 0; i < times; i++) {
            cells.add(new int[] {actual, predicted});
        }
    }

    /** Counts and confusion matrix exactly equal, loss within 1e-12. */
    private static void assertEquivalent(ClassificationMetrics expected, ClassificationMetrics actual) {
        assertEquals(expected.count(), actual.count());
        long[][] e = expected.confusionMatrix();
        long[][] a = actual.confusionMatrix();
        for (int r = 0; r < e.length; r++) {
            assertArrayEquals(e[r], a[r], "confusion row " + r);
        }
        assertEquals(expected.accuracy(), actual.accuracy());
        assertEquals(expected.topKAccuracy(), actual.topKAccuracy());
        assertEquals(expected.meanLoss(), actual.meanLoss(), 1e-12);
    }
}
