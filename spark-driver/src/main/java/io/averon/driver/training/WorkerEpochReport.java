package io.averon.driver.training;

import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.averon.core.AveronException;
import io.averon.core.train.EvaluationResult;

import java.util.List;
import java.util.Map;

/**
 * One worker's figures for one epoch: the contract between a training task, which sends it as the
 * JSON of a REPORT, and the driver's {@link EpochAggregator}, which reads it back. On the wire its
 * fields are snake_case ({@code train_loss_sum}, {@code compute_seconds}, ...); every field is
 * required, and {@code train} is sent as an explicit null when there is none.
 *
 * @param epoch          the epoch, from 1
 * @param worker         the sending worker
 * @param attempt        the sender's attempt (a relaunched task uses a higher one)
 * @param trainLossSum   the training loss summed over this worker's examples of the epoch
 * @param examples       the examples this worker trained on in the epoch (0 when it only re-reports)
 * @param computeSeconds the time spent training minibatches
 * @param syncSeconds    the time spent in the rounds
 * @param rounds         the rounds this worker took part in during the epoch
 * @param test           the averaged model's metrics state ({@link EvaluationResult#state()}) on this
 *                       worker's part of the test split
 * @param train          the same on this worker's training sample; null when no sample is evaluated
 */
record WorkerEpochReport(int epoch, int worker, int attempt, double trainLossSum, long examples,
                         double computeSeconds, double syncSeconds, int rounds,
                         @JsonSetter(nulls = Nulls.FAIL) Map<String, Object> test,
                         Map<String, Object> train) {

    private static final ObjectMapper JSON = JsonMapper.builder(JsonFactory.builder()
                    // a refusal names the field, not the report's text
                    .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION).build())
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

    /** This report as the JSON text of a REPORT. */
    String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new AveronException("cannot encode the epoch report: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * Reads a report sent by {@link #toJson()}.
     *
     * @throws IllegalArgumentException if the text is not such a report: not JSON, a field missing,
     *                                  null (other than {@code train}), of the wrong type or unknown
     */
    static WorkerEpochReport fromJson(String json) {
        try {
            return JSON.readValue(json, WorkerEpochReport.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** The test metrics, with the run's class names. */
    EvaluationResult testMetrics(List<String> classNames) {
        return EvaluationResult.fromState(test, classNames);
    }

    /** The training-sample metrics, with the run's class names; null when none were sent. */
    EvaluationResult trainMetrics(List<String> classNames) {
        return train == null ? null : EvaluationResult.fromState(train, classNames);
    }
}
