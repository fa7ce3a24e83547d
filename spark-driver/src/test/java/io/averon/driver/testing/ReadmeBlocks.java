package io.averon.driver.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** README.md's Java blocks are code a test runs: the lines between its {@code // README:begin} and {@code // README:end}. */
public final class ReadmeBlocks {

    private ReadmeBlocks() {
    }

    /**
     * Asserts that README.md shows, as a {@code java} block, exactly the code between the markers in
     * the test source {@code source} (relative to the module), indented there by 12 spaces.
     */
    public static void assertReadmeShows(Path source) throws IOException {
        String text = Files.readString(source, StandardCharsets.UTF_8);
        String block = text.substring(text.indexOf("// README:begin\n") + "// README:begin\n".length(),
                text.indexOf("// README:end"));
        String unindented = block.stripTrailing().lines().map(line -> line.length() >= 12 ? line.substring(12) : line.strip())
                .collect(Collectors.joining("\n"));
        String readme = Files.readString(Path.of("..", "README.md"), StandardCharsets.UTF_8);
        assertTrue(readme.contains("```java\n" + unindented + "\n```"),
                "README.md's Java block differs from the code " + source.getFileName() + " runs:\n" + unindented);
    }
}
