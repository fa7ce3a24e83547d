package io.averon.core;

import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/** Versions of Averon and the libraries it was built against (recorded in every model's provenance). */
public final class Versions {

    private Versions() {
    }

    /** {@code averon}, {@code deeplearning4j}, {@code nd4j}, {@code nd4j_backend} and {@code java}. */
    public static Map<String, String> all() {
        Properties p = new Properties();
        try (InputStream in = Versions.class.getResourceAsStream("versions.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read versions.properties", e);
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (String key : new String[] {"averon", "deeplearning4j", "nd4j", "nd4j_backend"}) {
            out.put(key, p.getProperty(key, "unknown"));
        }
        out.put("java", System.getProperty("java.version"));
        return out;
    }

    public static String averon() {
        return all().get("averon");
    }
}
