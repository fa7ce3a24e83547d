package io.averon.core.data;

import io.averon.core.InvalidInputException;

/**
 * Run in a child JVM by {@link DataSourcesTest} (the alias reads {@code AVERON_DATA}, which a test
 * cannot set in its own JVM): prints where {@code fashion-mnist} resolves and its class names, or
 * {@code ERROR: } and the message.
 */
public final class FashionMnistAliasProbe {

    private FashionMnistAliasProbe() {
    }

    public static void main(String[] args) {
        try {
            io.averon.core.io.Location dir = DataSources.resolve(DataSpec.FASHION_MNIST);
            System.out.println("RESOLVED: " + dir);
            System.out.println("CLASSES: " + DataSources.idxClassNames(dir));
        } catch (InvalidInputException e) {
            System.out.println("ERROR: " + e.getMessage());
        }
    }
}
