package io.averon.core.data;

/** Receives the records a lenient read skips, with where they are and why (see {@link BadRecordException}). */
@FunctionalInterface
public interface RejectSink {

    void reject(BadRecordException bad);
}
