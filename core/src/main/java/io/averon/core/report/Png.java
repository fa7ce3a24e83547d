package io.averon.core.report;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.internal.chartpart.Chart;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * PNG encoding of charts (XChart's {@link BitmapEncoder}) and images ({@link ImageIO}). Loading this
 * class makes AWT headless unless the JVM was told otherwise: reports are drawn on servers and in
 * Spark drivers, which have no display.
 */
final class Png {

    static {
        ensureHeadless();
    }

    private Png() {
    }

    /** Sets {@code java.awt.headless=true} unless it is set; call before any AWT class is used. */
    static void ensureHeadless() {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    static byte[] of(Chart<?, ?> chart) {
        try {
            return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot draw the chart '" + chart.getTitle() + "': " + e.getMessage(), e);
        }
    }

    static byte[] of(BufferedImage image) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, "png", out)) {
                throw new IllegalStateException("no PNG writer for image type " + image.getType());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode an image as PNG: " + e.getMessage(), e);
        }
        return out.toByteArray();
    }
}
