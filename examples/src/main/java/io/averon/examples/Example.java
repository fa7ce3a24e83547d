package io.averon.examples;

/**
 * One lesson, runnable with {@code bin/averon example NAME}. It uses only Averon's public API, the
 * way a user's program would, and trains on the Spark engine of its {@link ExampleContext}.
 */
public interface Example {

    /** The name on the command line, e.g. {@code fashion-mlp}. */
    String name();

    /** One line: what the lesson shows. */
    String summary();

    /**
     * Runs the lesson, prints what it finds and writes {@code report.html} into
     * {@link ExampleContext#out()}.
     *
     * @return the figures the lesson reaches (what its test and the README check)
     */
    Outcome run(ExampleContext context);
}
