package io.averon.benchmarks;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class MarkdownTableTest {

    @Test
    void shouldRightAlignTheColumnsMarkedNumeric() {
        String table = new MarkdownTable("model", ">threads", ">examples/s")
                .row("mlp", 1, "12,345")
                .row("cnn", 2, "1,001")
                .render();
        assertEquals("""
                | model | threads | examples/s |
                | --- | ---: | ---: |
                | mlp | 1 | 12,345 |
                | cnn | 2 | 1,001 |
                """, table);
    }

    @Test
    void shouldEscapeAPipeInACell() {
        assertEquals("| a |\n| --- |\n| x\\|y |\n", new MarkdownTable("a").row("x|y").render());
    }

    @Test
    void shouldRejectARowOfTheWrongWidth() {
        assertThrows(IllegalArgumentException.class, () -> new MarkdownTable("a", "b").row("only one"));
    }
}
