package io.averon.core.data;

import io.averon.core.InvalidInputException;

/**
 * One record of a data source cannot be used: a CSV row with a non-numeric value or the wrong
 * number of columns, an image that does not decode. Readers given a {@link RejectSink} pass
 * these on and keep reading; without one, the first bad record fails the read.
 */
public final class BadRecordException extends InvalidInputException {
    private static final long serialVersionUID = 1L;

    private final String record;
    private final String reason;

    /**
     * @param record  where the record is ({@code data.csv line 17}, {@code images/cat/3.png})
     * @param reason  what is wrong with it
     * @param message the whole one-line message ({@code record} and {@code reason} joined)
     */
    public BadRecordException(String record, String reason, String message) {
        super(message);
        this.record = record;
        this.reason = reason;
    }

    public BadRecordException(String record, String reason, String message, Throwable cause) {
        super(message, cause);
        this.record = record;
        this.reason = reason;
    }

    /** Where the record is, as the user named the source. */
    public String record() {
        return record;
    }

    /** What is wrong with the record. */
    public String reason() {
        return reason;
    }
}
