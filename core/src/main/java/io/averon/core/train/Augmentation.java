package io.averon.core.train;

import io.averon.core.InvalidInputException;

import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Random image augmentation applied to training minibatches as they are filled (in the
 * executors for the Spark engine): a random crop with zero padding (shift by up to
 * {@code padding} pixels each way, the CIFAR/fast.ai recipe) and a horizontal flip with
 * probability 1/2. Evaluation never augments. Seeded: the trainer reseeds per epoch (and worker),
 * so runs repeat.
 *
 * @param crop    random crop with padding
 * @param flip    random horizontal flip
 * @param padding pixels of zero padding for the crop, &gt;= 1 when cropping
 */
public record Augmentation(boolean crop, boolean flip, int padding) implements java.io.Serializable {

    /** Padding of {@code crop} unless given ({@code crop:2}). */
    public static final int DEFAULT_PADDING = 4;

    private static final Augmentation NONE = new Augmentation(false, false, 0);

    public Augmentation {
        if (crop && padding < 1) {
            throw new IllegalArgumentException("crop padding must be >= 1, got " + padding);
        }
    }

    public static Augmentation none() {
        return NONE;
    }

    public boolean active() {
        return crop || flip;
    }

    /**
     * Parses {@code train --augment}: a comma-separated list of {@code crop} (or {@code crop:PIXELS})
     * and {@code flip}; empty or {@code none} = no augmentation.
     */
    public static Augmentation parse(String text) {
        if (text == null || text.isBlank() || text.trim().equalsIgnoreCase("none")) {
            return NONE;
        }
        boolean crop = false;
        boolean flip = false;
        int padding = DEFAULT_PADDING;
        for (String part : text.split(",")) {
            String p = part.trim().toLowerCase(Locale.ROOT);
            if (p.equals("flip")) {
                flip = true;
            } else if (p.equals("crop")) {
                crop = true;
            } else if (p.startsWith("crop:")) {
                crop = true;
                try {
                    padding = Integer.parseInt(p.substring(5));
                } catch (NumberFormatException e) {
                    throw new InvalidInputException("--augment " + text + ": '" + part.trim() + "' needs a whole number "
                            + "of pixels, e.g. crop:4");
                }
                if (padding < 1) {
                    throw new InvalidInputException("--augment " + text + ": crop padding must be >= 1");
                }
            } else {
                throw new InvalidInputException("--augment " + text + ": unknown augmentation '" + part.trim()
                        + "'; use crop, crop:PIXELS and/or flip");
            }
        }
        return new Augmentation(crop, flip, padding);
    }

    /** Fails unless examples of {@code exampleShape} are images ({@code [channels, height, width]}). */
    public void checkApplies(int[] exampleShape, String dataName) {
        if (active() && exampleShape.length != 3) {
            throw new InvalidInputException("--augment " + this + " needs image data (channels x height x width), but "
                    + dataName + " has examples of shape " + Arrays.toString(exampleShape));
        }
        if (crop && exampleShape.length == 3 && (padding >= exampleShape[1] || padding >= exampleShape[2])) {
            throw new InvalidInputException("--augment crop:" + padding + " pads more than the " + exampleShape[1] + "x"
                    + exampleShape[2] + " images of " + dataName);
        }
    }

    /**
     * Writes an augmented copy of one image ({@code [c, h, w]}, flat, at {@code from[offset]})
     * into {@code into[at]}.
     */
    void apply(float[] from, int offset, int[] shape, float[] into, int at, SplittableRandom random) {
        int channels = shape[0];
        int height = shape[1];
        int width = shape[2];
        int dy = crop ? random.nextInt(2 * padding + 1) - padding : 0;
        int dx = crop ? random.nextInt(2 * padding + 1) - padding : 0;
        boolean mirror = flip && random.nextBoolean();
        for (int c = 0; c < channels; c++) {
            int plane = c * height * width;
            for (int y = 0; y < height; y++) {
                int sy = y + dy;
                for (int x = 0; x < width; x++) {
                    int sx = (mirror ? width - 1 - x : x) + dx;
                    into[at + plane + y * width + x] = sy < 0 || sy >= height || sx < 0 || sx >= width ? 0f
                            : from[offset + plane + sy * width + sx];
                }
            }
        }
    }

    @Override
    public String toString() {
        if (!active()) {
            return "none";
        }
        return (crop ? "crop:" + padding : "") + (crop && flip ? "," : "") + (flip ? "flip" : "");
    }
}
