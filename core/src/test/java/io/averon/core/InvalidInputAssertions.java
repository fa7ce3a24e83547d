package io.averon.core;

import org.junit.jupiter.api.function.Executable;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The user-facing error contract: an {@link InvalidInputException} with one line naming what is wrong. */
public final class InvalidInputAssertions {

    private InvalidInputAssertions() {
    }

    /**
     * Asserts {@code call} throws {@link InvalidInputException} whose message is a single line
     * containing every fragment (e.g. the file name, the line or offset, the problem).
     *
     * @return the message, for further checks
     */
    public static String assertInvalidInput(Executable call, String... fragments) {
        InvalidInputException e = assertThrows(InvalidInputException.class, call);
        String message = e.getMessage();
        for (String fragment : fragments) {
            assertTrue(message.contains(fragment), () -> "'" + fragment + "' missing in: " + message);
        }
        assertFalse(message.contains("\n") || message.contains("\r"), () -> "multi-line message: " + message);
        return message;
    }
}
