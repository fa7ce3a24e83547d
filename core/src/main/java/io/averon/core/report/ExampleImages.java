package io.averon.core.report;

import java.awt.image.BufferedImage;

/** Draws image examples ({@code [channels, height, width]}, channel-major) as pictures for the report. */
final class ExampleImages {

    static {
        Png.ensureHeadless();
    }

    private ExampleImages() {
    }

    /** Whether examples of this shape are pictures: one (grey) or three (RGB) channels of at least 2x2. */
    static boolean isImage(int[] shape) {
        return shape.length == 3 && (shape[0] == 1 || shape[0] == 3) && shape[1] >= 2 && shape[2] >= 2;
    }

    /**
     * The example as an image, its values min-max scaled to 0..255 over the whole example (the
     * features are normalised, so their raw range says nothing); a constant example is mid-grey.
     */
    static BufferedImage toImage(int[] shape, float[] chw) {
        if (!isImage(shape)) {
            throw new IllegalArgumentException("not an image shape: " + java.util.Arrays.toString(shape));
        }
        int channels = shape[0];
        int height = shape[1];
        int width = shape[2];
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (float v : chw) {
            if (Float.isFinite(v)) {
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
        }
        float scale = max > min ? 255f / (max - min) : 0f; // 0: a constant example, drawn mid-grey
        int plane = height * width;
        BufferedImage image = new BufferedImage(width, height,
                channels == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int p = y * width + x;
                int r = level(chw[p], min, scale);
                if (channels == 1) {
                    image.getRaster().setSample(x, y, 0, r); // the raster: setRGB would gamma-convert grey
                } else {
                    image.setRGB(x, y, r << 16 | level(chw[plane + p], min, scale) << 8
                            | level(chw[2 * plane + p], min, scale));
                }
            }
        }
        return image;
    }

    private static int level(float value, float min, float scale) {
        if (!Float.isFinite(value)) {
            return 0;
        }
        if (scale == 0f) {
            return 127;
        }
        return Math.max(0, Math.min(255, Math.round((value - min) * scale)));
    }
}
