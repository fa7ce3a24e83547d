package io.averon.core.data;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * An in-memory data set: {@code size()} examples, each a float vector of
 * {@code featureLength()} values laid out row-major in one array, plus their labels.
 *
 * <p>{@code exampleShape} tells the model how to read one example: {@code [n]} for tabular data,
 * {@code [channels, height, width]} for images (the flat layout is CHW, as DL4J's
 * {@code InputType.convolutionalFlat} expects), {@code [channels, timeSteps]} for sequences.
 *
 * @param name         where the data came from (file or directory), used in messages
 * @param exampleShape the shape of one example; its product is the feature length
 * @param features     {@code size() * featureLength()} values, example after example
 * @param labels       one label per example
 */
public record ArrayDataSet(String name, int[] exampleShape, float[] features, Labels labels) {

    public ArrayDataSet {
        exampleShape = exampleShape.clone();
        long length = 1;
        for (int d : exampleShape) {
            if (d <= 0) {
                throw new IllegalArgumentException(name + ": example shape " + Arrays.toString(exampleShape)
                        + " has a non-positive dimension");
            }
            length *= d;
        }
        if (length * labels.size() != features.length) {
            throw new IllegalArgumentException(name + ": " + features.length + " feature values do not make "
                    + labels.size() + " examples of shape " + Arrays.toString(exampleShape));
        }
    }

    public int size() {
        return labels.size();
    }

    public int featureLength() {
        int length = 1;
        for (int d : exampleShape) {
            length *= d;
        }
        return length;
    }

    public boolean isClassification() {
        return labels instanceof Labels.Classes;
    }

    /** The class labels; throws if this is a regression data set. */
    public Labels.Classes classes() {
        if (labels instanceof Labels.Classes c) {
            return c;
        }
        throw new IllegalStateException(name + " holds regression targets, not class labels");
    }

    /** Class names, or an empty list for regression data. */
    public List<String> classNames() {
        return labels instanceof Labels.Classes c ? c.classNames() : List.of();
    }

    /** The examples at the given indices, in that order (a copy). */
    public ArrayDataSet select(int[] indices, String subsetName) {
        int width = featureLength();
        float[] out = new float[indices.length * width];
        for (int i = 0; i < indices.length; i++) {
            System.arraycopy(features, indices[i] * width, out, i * width, width);
        }
        return new ArrayDataSet(subsetName, exampleShape, out, labels.select(indices));
    }

    /** The same examples with other feature values (e.g. normalised), same shape and labels. */
    public ArrayDataSet withFeatures(float[] newFeatures) {
        return new ArrayDataSet(name, exampleShape, newFeatures, labels);
    }

    /**
     * SHA-256 over shape, features and labels: identifies the exact data a model was trained on
     * (stored in the model's provenance).
     */
    public String fingerprint() {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            ByteBuffer buffer = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            digestInts(digest, buffer, exampleShape);
            digestFloats(digest, buffer, features);
            if (labels instanceof Labels.Classes c) {
                for (String n : c.classNames()) {
                    digest.update(n.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    digest.update((byte) 0);
                }
                digestInts(digest, buffer, c.values());
            } else if (labels instanceof Labels.Targets t) {
                digestFloats(digest, buffer, t.values());
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    /** Digests the values little-endian through {@code buffer} (left empty afterwards). */
    private static void digestFloats(MessageDigest digest, ByteBuffer buffer, float[] values) {
        for (float v : values) {
            if (buffer.remaining() < Float.BYTES) {
                digest.update(buffer.flip());
                buffer.clear();
            }
            buffer.putFloat(v);
        }
        digest.update(buffer.flip());
        buffer.clear();
    }

    private static void digestInts(MessageDigest digest, ByteBuffer buffer, int[] values) {
        for (int v : values) {
            if (buffer.remaining() < Integer.BYTES) {
                digest.update(buffer.flip());
                buffer.clear();
            }
            buffer.putInt(v);
        }
        digest.update(buffer.flip());
        buffer.clear();
    }
}
