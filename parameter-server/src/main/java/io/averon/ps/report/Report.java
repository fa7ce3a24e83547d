package io.averon.ps.report;

/**
 * One report received by the driver: either {@code json} or {@code values} is set.
 *
 * @param workerId the sending worker
 * @param attempt  the sender's attempt (a relaunched task uses a higher one)
 * @param round    what the sender numbered it with (Averon's workers: the epoch)
 * @param json     a REPORT's UTF-8 text, else null
 * @param values   a REPORT_VECTOR's floats (a copy), else null
 */
public record Report(int workerId, int attempt, long round, String json, float[] values) {
}
