package io.averon.driver.training;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.averon.core.AveronException;
import io.averon.core.metrics.ClassificationMetrics;
import io.averon.core.train.EpochRecord;
import io.averon.core.train.EvaluationResult;
import io.averon.ps.report.Report;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The per-epoch report a worker sends the driver: its JSON contract, and how the driver merges the workers'. */
@Tag("fast")
class WorkerEpochReportTest {

    private static final List<String> CLASSES = List.of("cat", "dog");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Two-class metrics of {@code right} correct and {@code wrong} incorrect confident predictions. */
    private static Map<String, Object> metrics(int right, int wrong) {
        ClassificationMetrics m = new ClassificationMetrics(2, 1);
        int rows = right + wrong;
        float[] probabilities = new float[rows * 2];
        int[] labels = new int[rows];
        for (int r = 0; r < rows; r++) {
            probabilities[r * 2] = 0.9f; // always predicts class 0
            probabilities[r * 2 + 1] = 0.1f;
            labels[r] = r < right ? 0 : 1;
        }
        m.add(probabilities, rows, labels, 0);
        return new EvaluationResult(m, null, CLASSES).state();
    }

    private static WorkerEpochReport report(int worker, double lossSum, long examples, Map<String, Object> train) {
        return new WorkerEpochReport(3, worker, 1001, lossSum, examples, 2.5, 0.75, 7, metrics(3, 1), train);
    }

    private static ObjectNode tree(WorkerEpochReport report) throws Exception {
        return (ObjectNode) JSON.readTree(report.toJson());
    }

    @Test
    void shouldKeepEveryFieldThroughItsJson() {
        WorkerEpochReport sent = report(1, 12.5, 40, metrics(5, 2));

        WorkerEpochReport received = WorkerEpochReport.fromJson(sent.toJson());

        assertEquals(3, received.epoch());
        assertEquals(1, received.worker());
        assertEquals(1001, received.attempt());
        assertEquals(12.5, received.trainLossSum());
        assertEquals(40, received.examples());
        assertEquals(2.5, received.computeSeconds());
        assertEquals(0.75, received.syncSeconds());
        assertEquals(7, received.rounds());
        assertEquals(metrics(3, 1), received.testMetrics(CLASSES).state());
        assertEquals(metrics(5, 2), received.trainMetrics(CLASSES).state());
        assertEquals(CLASSES, received.testMetrics(CLASSES).classNames());
    }

    @Test
    void shouldSendTheSameSnakeCaseKeysAsBeforeWithAnExplicitNullTrain() throws Exception {
        ObjectNode json = tree(report(0, 1, 1, null));

        Set<String> keys = new TreeSet<>();
        json.fieldNames().forEachRemaining(keys::add);
        assertEquals(new TreeSet<>(List.of("epoch", "worker", "attempt", "train_loss_sum", "examples",
                "compute_seconds", "sync_seconds", "rounds", "test", "train")), keys);
        assertTrue(json.get("train").isNull());
        assertNull(WorkerEpochReport.fromJson(json.toString()).trainMetrics(CLASSES));
    }

    @Test
    void shouldRefuseAReportWithAMissingFieldNamingIt() throws Exception {
        for (String field : List.of("examples", "train_loss_sum", "test", "train")) {
            ObjectNode json = tree(report(0, 1, 1, metrics(1, 0)));
            json.remove(field);

            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> WorkerEpochReport.fromJson(json.toString()), field);
            assertTrue(e.getMessage().contains("'" + field + "'"), e.getMessage());
        }
    }

    @Test
    void shouldRefuseANullFigureOrTestMetricsNamingTheField() throws Exception {
        for (String field : List.of("examples", "test")) {
            ObjectNode json = tree(report(0, 1, 1, null));
            json.putNull(field);

            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> WorkerEpochReport.fromJson(json.toString()), field);
            assertTrue(e.getMessage().contains("\"" + field + "\""), e.getMessage());
        }
    }

    @Test
    void shouldMergeTwoWorkersReportsIntoOneEpoch() {
        // one round per epoch: epoch 3's round is round 3, and it waited 1.25 s for worker 1
        RoundLagMeter lag = RoundLagMeter.of(round -> round < 3 ? new long[] {0, 0} : new long[] {0, 1_250},
                new ShardPlan(800, 200, 2, 8, 0, 0));
        EpochAggregator aggregator = new EpochAggregator(2, CLASSES, 2, lag);
        float[] averaged = {0.5f, -1f};

        assertEquals(List.of(), aggregator.accept(received(report(0, 10, 40, metrics(5, 0)))));
        assertEquals(List.of(), aggregator.accept(new Report(0, 1001, 3, null, averaged)));
        List<EpochAggregator.Completed> done = aggregator.accept(received(
                new WorkerEpochReport(3, 1, 2, 50, 60, 4.0, 1.5, 6, metrics(1, 3), metrics(0, 5))));

        assertEquals(1, done.size());
        EpochRecord record = done.get(0).record();
        assertEquals(3, record.epoch());
        assertEquals(100, record.examples());
        assertEquals(60.0 / 100, record.trainLoss(), 1e-12); // weighted by examples, not the mean of 0.25 and 0.83
        assertEquals(8, record.test().count());
        assertEquals(4.0 / 8, record.test().accuracy(), 1e-12);
        assertEquals(10, record.train().count());
        assertEquals(5.0 / 10, record.train().accuracy(), 1e-12);
        assertArrayEquals(new int[] {1001, 2}, record.distributed().attempts());
        assertArrayEquals(new int[] {7, 6}, record.distributed().rounds());
        assertArrayEquals(new double[] {2.5, 4.0}, record.distributed().computeSeconds());
        assertArrayEquals(new double[] {0.75, 1.5}, record.distributed().syncSeconds());
        assertArrayEquals(new double[] {0, 1.25}, record.distributed().roundLagSeconds());
        assertArrayEquals(averaged, done.get(0).vector());
        assertEquals(3, aggregator.lastCompleted());
    }

    @Test
    void shouldFailTheRunOnAMalformedReportNamingTheWorkerAndTheField() throws Exception {
        EpochAggregator aggregator = new EpochAggregator(2, CLASSES, 0, RoundLagMeter.none());
        ObjectNode json = tree(report(1, 1, 1, null));
        json.remove("examples");

        AveronException e = assertThrows(AveronException.class,
                () -> aggregator.accept(new Report(1, 1001, 3, json.toString(), null)));

        assertTrue(e.getMessage().startsWith("worker 1 sent a malformed report for epoch 3: "), e.getMessage());
        assertTrue(e.getMessage().contains("'examples'"), e.getMessage());
    }

    /** The REPORT the driver receives when a worker sends {@code report}. */
    private static Report received(WorkerEpochReport report) {
        return new Report(report.worker(), report.attempt(), report.epoch(), report.toJson(), null);
    }
}
