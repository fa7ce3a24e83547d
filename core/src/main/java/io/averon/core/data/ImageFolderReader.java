package io.averon.core.data;

import io.averon.core.InvalidInputException;
import io.averon.core.io.Location;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Reads an image classification data set from a directory with one sub-folder per class: the
 * class names are the sub-folder names (sorted), the examples are the {@code *.png},
 * {@code *.jpg} and {@code *.jpeg} files directly inside them (case-insensitive; other files,
 * nested folders and hidden files are ignored).
 *
 * <p>Each image is decoded with {@link ImageIO}, resized to {@code height x width} with bilinear
 * interpolation (aspect ratio is not kept), drawn over black (so transparent pixels become black)
 * and converted to 1 channel (luminance {@code 0.299 R + 0.587 G + 0.114 B}, rounded) or 3
 * channels (RGB). Features are raw values 0..255 as floats, laid out CHW per example; the example
 * shape is {@code [channels, height, width]}. Examples are ordered by class, then by file name, so
 * the same directory always gives the same data set.
 *
 * <p>The directory structure is validated before any image is decoded. Problems are reported as
 * {@link InvalidInputException} with a one-line message naming the directory or file.
 */
public final class ImageFolderReader {

    /** Largest accepted target height or width. */
    public static final int MAX_SIDE = 4096;
    private static final long MAX_SOURCE_PIXELS = 16_384L * 16_384L;
    private static final Set<String> EXTENSIONS = Set.of("png", "jpg", "jpeg");
    /** ImageIO format names accepted (content is checked, not only the file extension). */
    private static final Set<String> FORMATS = EXTENSIONS;

    private ImageFolderReader() {
    }

    /**
     * Reads the data set under {@code dir}.
     *
     * @param dir        a directory with one sub-folder per class
     * @param height     target height in pixels, 1..{@value #MAX_SIDE}
     * @param width      target width in pixels, 1..{@value #MAX_SIDE}
     * @param channels   1 (grayscale) or 3 (RGB)
     * @param classNames the model's class names (e.g. at evaluation time): every sub-folder must be
     *                   one of them, folders may be missing or empty, and labels index this list.
     *                   {@code null}: the classes are the sub-folders, at least 2, each with an image.
     */
    public static ArrayDataSet read(Path dir, int height, int width, int channels, List<String> classNames) {
        return read(Location.of(dir), height, width, channels, classNames);
    }

    /** As {@link #read(Path, int, int, int, List)}, for any location the Hadoop FileSystem API reads. */
    public static ArrayDataSet read(Location dir, int height, int width, int channels, List<String> classNames) {
        return read(dir, height, width, channels, classNames, null);
    }

    /**
     * As {@link #read(Location, int, int, int, List)}; with {@code rejects}, an image that does not
     * decode goes to it and the read goes on without it.
     */
    public static ArrayDataSet read(Location dir, int height, int width, int channels, List<String> classNames,
                                    RejectSink rejects) {
        String where = CsvReader.show(dir.toString());
        if (height < 1 || height > MAX_SIDE || width < 1 || width > MAX_SIDE) {
            throw new InvalidInputException(where + ": image size " + height + "x" + width
                    + " is out of range (height and width must be in 1.." + MAX_SIDE + ")");
        }
        if (channels != 1 && channels != 3) {
            throw new InvalidInputException(where + ": channels must be 1 (grayscale) or 3 (RGB), got " + channels);
        }
        if (classNames != null) {
            classNames = List.copyOf(classNames);
            if (classNames.size() < 2 || new HashSet<>(classNames).size() != classNames.size()) {
                throw new IllegalArgumentException("class names must be at least 2 distinct names, got " + classNames);
            }
        }
        if (!dir.exists()) {
            throw new InvalidInputException(where + ": no such directory");
        }
        if (!dir.isDirectory()) {
            throw new InvalidInputException(where + ": not a directory (expected one sub-folder per class)");
        }
        List<Location> folders = list(dir, where, Location::isDirectory);
        if (folders.isEmpty()) {
            throw new InvalidInputException(where + ": no class sub-folders (put each class's images in a sub-folder "
                    + "named after the class)");
        }
        List<String> classes = new ArrayList<>();
        if (classNames == null) {
            folders.forEach(f -> classes.add(f.name()));
            if (classes.size() < 2) {
                throw new InvalidInputException(where + ": only 1 class sub-folder ('" + CsvReader.show(classes.get(0))
                        + "'); classification needs at least 2 classes");
            }
        } else {
            for (Location folder : folders) {
                String name = folder.name();
                if (!classNames.contains(name)) {
                    throw new InvalidInputException(CsvReader.show(folder.toString()) + ": class '" + CsvReader.show(name)
                            + "' is not one of the model's classes " + classNames);
                }
            }
            classes.addAll(classNames);
        }

        List<Location> files = new ArrayList<>();
        List<Integer> counts = new ArrayList<>();
        Map<String, Location> byName = new HashMap<>();
        folders.forEach(f -> byName.put(f.name(), f));
        for (String name : classes) {
            Location folder = byName.get(name);
            List<Location> images = folder != null
                    ? list(folder, CsvReader.show(folder.toString()), ImageFolderReader::isImageFile)
                    : List.of();
            if (images.isEmpty() && classNames == null) {
                throw new InvalidInputException(CsvReader.show(String.valueOf(folder))
                        + ": no images (*.png, *.jpg, *.jpeg) in class folder '" + CsvReader.show(name) + "'");
            }
            files.addAll(images);
            counts.add(images.size());
        }
        if (files.isEmpty()) {
            throw new InvalidInputException(where + ": no images (*.png, *.jpg, *.jpeg) in the class sub-folders");
        }
        long exampleLength = (long) channels * height * width;
        if (exampleLength * files.size() > Integer.MAX_VALUE - 16) {
            throw new InvalidInputException(where + ": " + files.size() + " images of " + channels + "x" + height + "x"
                    + width + " are too many values to hold in memory; use a smaller image size");
        }

        int[] labels = new int[files.size()];
        for (int c = 0, k = 0; c < counts.size(); c++) {
            for (int i = 0; i < counts.get(c); i++) {
                labels[k++] = c;
            }
        }
        float[] features = new float[(int) (exampleLength * files.size())];
        int kept = 0;
        for (int k = 0; k < files.size(); k++) {
            BufferedImage image;
            try {
                image = decode(files.get(k));
            } catch (BadRecordException e) {
                if (rejects == null) {
                    throw e;
                }
                rejects.reject(e);
                continue;
            }
            writeExample(resize(image, height, width), channels, features, (int) (kept * exampleLength));
            labels[kept++] = labels[k];
        }
        if (kept == 0) {
            throw new InvalidInputException(where + ": none of the " + files.size() + " images decodes");
        }
        return new ArrayDataSet(dir.toString(), new int[] {channels, height, width},
                kept == files.size() ? features : Arrays.copyOf(features, (int) (kept * exampleLength)),
                new Labels.Classes(kept == files.size() ? labels : Arrays.copyOf(labels, kept), classes));
    }

    /** Non-hidden entries of {@code dir} accepted by {@code filter}, sorted by file name. */
    private static List<Location> list(Location dir, String where, Predicate<Location> filter) {
        try {
            return dir.list().stream().filter(filter).toList();
        } catch (UncheckedIOException e) {
            throw new InvalidInputException(where + ": cannot list directory (" + CsvReader.show(String.valueOf(
                    e.getMessage())) + ")", e);
        }
    }

    private static boolean isImageFile(Location p) {
        String name = p.name();
        int dot = name.lastIndexOf('.');
        return dot > 0 && EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT)) && p.isFile();
    }

    /** Decodes a PNG or JPEG file; anything else (or a corrupt file) is an {@link InvalidInputException}. */
    private static BufferedImage decode(Location file) {
        String where = CsvReader.show(file.toString());
        String reason = "not a decodable PNG/JPEG image";
        String notDecodable = where + ": " + reason;
        try (InputStream raw = file.open(); ImageInputStream in = ImageIO.createImageInputStream(raw)) {
            if (in == null) {
                throw new BadRecordException(where, reason, notDecodable);
            }
            ImageReader reader = null;
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            while (reader == null && readers.hasNext()) {
                ImageReader candidate = readers.next();
                if (FORMATS.contains(candidate.getFormatName().toLowerCase(Locale.ROOT))) {
                    reader = candidate;
                }
            }
            if (reader == null) {
                throw new BadRecordException(where, reason, notDecodable);
            }
            try {
                reader.setInput(in, true, true);
                long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
                if (pixels > MAX_SOURCE_PIXELS) {
                    String tooLarge = "image of " + reader.getWidth(0) + "x" + reader.getHeight(0)
                            + " pixels is too large to decode";
                    throw new BadRecordException(where, tooLarge, where + ": " + tooLarge);
                }
                BufferedImage image = reader.read(0);
                if (image == null) {
                    throw new BadRecordException(where, reason, notDecodable);
                }
                return image;
            } finally {
                reader.dispose();
            }
        } catch (InvalidInputException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            String detail = reason + " (" + CsvReader.show(String.valueOf(e.getMessage())) + ")";
            throw new BadRecordException(where, detail, where + ": " + detail, e);
        }
    }

    /** {@code image} scaled to {@code width x height} with bilinear interpolation, as packed RGB. */
    private static BufferedImage resize(BufferedImage image, int height, int width) {
        BufferedImage target = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = target.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            g.drawImage(image, 0, 0, width, height, null);
        } finally {
            g.dispose();
        }
        return target;
    }

    /** Writes one {@code TYPE_INT_RGB} image into {@code out} at {@code offset}, CHW, values 0..255. */
    private static void writeExample(BufferedImage rgbImage, int channels, float[] out, int offset) {
        int[] pixels = ((DataBufferInt) rgbImage.getRaster().getDataBuffer()).getData();
        int plane = pixels.length;
        for (int i = 0; i < plane; i++) {
            int p = pixels[i];
            int r = (p >> 16) & 0xFF;
            int g = (p >> 8) & 0xFF;
            int b = p & 0xFF;
            if (channels == 1) {
                out[offset + i] = Math.round(0.299f * r + 0.587f * g + 0.114f * b);
            } else {
                out[offset + i] = r;
                out[offset + plane + i] = g;
                out[offset + 2 * plane + i] = b;
            }
        }
    }
}
