package io.averon.core.data;

import static io.averon.core.InvalidInputAssertions.assertInvalidInput;
import io.averon.core.InvalidInputException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Tag("fast")
class ImageFolderReaderTest {

    private static final Color ORANGE = new Color(200, 100, 50);

    @TempDir
    Path dir;

    private static Path image(Path file, int width, int height, Color color) throws IOException {
        Files.createDirectories(file.getParent());
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(color);
        g.fillRect(0, 0, width, height);
        g.dispose();
        String name = file.getFileName().toString().toLowerCase();
        assertTrue(ImageIO.write(img, name.endsWith(".png") ? "png" : "jpg", file.toFile()));
        return file;
    }

    private static String assertInvalid(Executable read, String... fragments) {
        return assertInvalidInput(read, fragments);
    }

    /** All values of one channel plane of example {@code k}. */
    private static float[] plane(ArrayDataSet data, int k, int channel) {
        int[] s = data.exampleShape();
        int size = s[1] * s[2];
        float[] out = new float[size];
        System.arraycopy(data.features(), k * data.featureLength() + channel * size, out, 0, size);
        return out;
    }

    private static void assertUniform(float expected, float[] values, float tolerance) {
        for (float v : values) {
            assertEquals(expected, v, tolerance);
        }
    }

    @Test
    void shouldReadClassesInSortedOrderWhenFoldersHoldImages() throws IOException {
        image(dir.resolve("dog/a.png"), 4, 4, Color.GREEN);
        image(dir.resolve("cat/b.png"), 4, 4, Color.BLUE);
        image(dir.resolve("cat/a.png"), 4, 4, Color.RED);
        ArrayDataSet data = ImageFolderReader.read(dir, 4, 4, 3, null);
        assertEquals(dir.toString(), data.name());
        assertEquals(List.of("cat", "dog"), data.classNames());
        assertArrayEquals(new int[] {0, 0, 1}, data.classes().values());
        assertArrayEquals(new int[] {3, 4, 4}, data.exampleShape());
        assertUniform(255, plane(data, 0, 0), 0);  // cat/a.png is red
        assertUniform(255, plane(data, 1, 2), 0);  // cat/b.png is blue
        assertUniform(255, plane(data, 2, 1), 0);  // dog/a.png is green
    }

    @Test
    void shouldGiveRequestedShapeAndSameColourWhenResizingUniformImage() throws IOException {
        image(dir.resolve("a/big.png"), 17, 11, ORANGE);
        image(dir.resolve("b/small.png"), 2, 3, ORANGE);
        ArrayDataSet data = ImageFolderReader.read(dir, 5, 7, 3, null);
        assertArrayEquals(new int[] {3, 5, 7}, data.exampleShape());
        assertEquals(2 * 3 * 5 * 7, data.features().length);
        for (int k = 0; k < 2; k++) {
            assertUniform(200, plane(data, k, 0), 0);
            assertUniform(100, plane(data, k, 1), 0);
            assertUniform(50, plane(data, k, 2), 0);
        }
    }

    @Test
    void shouldGiveLuminanceWhenOneChannelIsRequested() throws IOException {
        image(dir.resolve("a/x.png"), 6, 6, ORANGE);
        image(dir.resolve("b/y.png"), 6, 6, Color.WHITE);
        ArrayDataSet data = ImageFolderReader.read(dir, 3, 3, 1, null);
        assertArrayEquals(new int[] {1, 3, 3}, data.exampleShape());
        // 0.299 * 200 + 0.587 * 100 + 0.114 * 50 = 124.2
        assertUniform(124, plane(data, 0, 0), 0);
        assertUniform(255, plane(data, 1, 0), 0);
    }

    @Test
    void shouldKeepGreyLevelsWhenSourceIsAGrayscalePng() throws IOException {
        BufferedImage grey = new BufferedImage(5, 5, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 5; y++) {
            for (int x = 0; x < 5; x++) {
                grey.getRaster().setSample(x, y, 0, 100);
            }
        }
        Files.createDirectories(dir.resolve("a"));
        ImageIO.write(grey, "png", dir.resolve("a/g.png").toFile());
        image(dir.resolve("b/w.png"), 5, 5, Color.WHITE);
        assertUniform(100, plane(ImageFolderReader.read(dir, 5, 5, 1, null), 0, 0), 0);
        ArrayDataSet rgb = ImageFolderReader.read(dir, 5, 5, 3, null);
        for (int c = 0; c < 3; c++) {
            assertUniform(100, plane(rgb, 0, c), 0);
        }
    }

    @Test
    void shouldLayOutChwWhenImageHasDistinctPixels() throws IOException {
        BufferedImage img = new BufferedImage(2, 1, BufferedImage.TYPE_INT_RGB);
        img.setRGB(0, 0, new Color(255, 0, 10).getRGB());
        img.setRGB(1, 0, new Color(0, 20, 255).getRGB());
        Files.createDirectories(dir.resolve("a"));
        ImageIO.write(img, "png", dir.resolve("a/p.png").toFile());
        image(dir.resolve("b/q.png"), 2, 1, Color.BLACK);
        ArrayDataSet data = ImageFolderReader.read(dir, 1, 2, 3, null);
        assertArrayEquals(new float[] {255, 0, 0, 20, 10, 255}, firstExample(data));
    }

    private static float[] firstExample(ArrayDataSet data) {
        float[] out = new float[data.featureLength()];
        System.arraycopy(data.features(), 0, out, 0, out.length);
        return out;
    }

    @Test
    void shouldDecodeJpegWhenExtensionIsUpperCase() throws IOException {
        image(dir.resolve("a/photo.JPG"), 8, 8, ORANGE);
        image(dir.resolve("b/photo.jpeg"), 8, 8, ORANGE);
        ArrayDataSet data = ImageFolderReader.read(dir, 4, 4, 3, null);
        assertEquals(2, data.size());
        assertUniform(200, plane(data, 0, 0), 4);  // JPEG is lossy
        assertUniform(100, plane(data, 0, 1), 4);
        assertUniform(50, plane(data, 0, 2), 4);
    }

    @Test
    void shouldIgnoreHiddenAndNonImageFilesWhenListing() throws IOException {
        image(dir.resolve("a/x.png"), 2, 2, Color.RED);
        image(dir.resolve("b/y.png"), 2, 2, Color.RED);
        Files.write(dir.resolve("a/.hidden.png"), new byte[] {1, 2, 3});
        Files.writeString(dir.resolve("a/notes.txt"), "not an image");
        Files.createDirectories(dir.resolve(".cache/z"));
        Files.writeString(dir.resolve("README.md"), "top-level files are ignored");
        ArrayDataSet data = ImageFolderReader.read(dir, 2, 2, 3, null);
        assertEquals(List.of("a", "b"), data.classNames());
        assertEquals(2, data.size());
    }

    @Test
    void shouldReportPathWhenFileIsNotAnImage() throws IOException {
        image(dir.resolve("cat/a.png"), 2, 2, Color.RED);
        image(dir.resolve("dog/a.png"), 2, 2, Color.RED);
        byte[] noise = new byte[300];
        new Random(1).nextBytes(noise);
        Path bad = dir.resolve("cat/x.png");
        Files.write(bad, noise);
        assertInvalid(() -> ImageFolderReader.read(dir, 2, 2, 3, null),
                bad.toString() + ": not a decodable PNG/JPEG image");
    }

    @Test
    void shouldRejectFolderWhenItIsNotOneOfTheModelClasses() throws IOException {
        image(dir.resolve("cat/a.png"), 2, 2, Color.RED);
        image(dir.resolve("zebra/a.png"), 2, 2, Color.RED);
        assertInvalid(() -> ImageFolderReader.read(dir, 2, 2, 3, List.of("cat", "dog")),
                dir.resolve("zebra") + ": class 'zebra' is not one of the model's classes [cat, dog]");
    }

    @Test
    void shouldUseModelClassesWhenSomeFoldersAreMissing() throws IOException {
        image(dir.resolve("dog/a.png"), 2, 2, Color.RED);
        ArrayDataSet data = ImageFolderReader.read(dir, 2, 2, 1, List.of("cat", "dog"));
        assertEquals(List.of("cat", "dog"), data.classNames());
        assertArrayEquals(new int[] {1}, data.classes().values());
    }

    @Test
    void shouldRejectDirectoryWhenItHasNoClassFolders() throws IOException {
        image(dir.resolve("loose.png"), 2, 2, Color.RED);
        assertInvalid(() -> ImageFolderReader.read(dir, 2, 2, 3, null), dir + ": no class sub-folders");
    }

    @Test
    void shouldRejectDirectoryWhenItHasOnlyOneClass() throws IOException {
        image(dir.resolve("cat/a.png"), 2, 2, Color.RED);
        assertInvalid(() -> ImageFolderReader.read(dir, 2, 2, 3, null), dir.toString(), "'cat'", "at least 2");
    }

    @Test
    void shouldRejectClassFolderWhenItHasNoImages() throws IOException {
        image(dir.resolve("cat/a.png"), 2, 2, Color.RED);
        Files.createDirectories(dir.resolve("dog"));
        Files.writeString(dir.resolve("dog/readme.txt"), "x");
        assertInvalid(() -> ImageFolderReader.read(dir, 2, 2, 3, null), dir.resolve("dog") + ": no images");
    }

    @Test
    void shouldRejectPathWhenItIsMissingOrAFile() throws IOException {
        Path missing = dir.resolve("nope");
        assertInvalid(() -> ImageFolderReader.read(missing, 2, 2, 3, null), missing + ": no such directory");
        Path file = Files.writeString(dir.resolve("file.txt"), "x");
        assertInvalid(() -> ImageFolderReader.read(file, 2, 2, 3, null), file + ": not a directory");
    }

    @Test
    void shouldRejectSettingsWhenSizeOrChannelsAreOutOfRange() throws IOException {
        image(dir.resolve("cat/bad.png"), 2, 2, Color.RED);
        Files.write(dir.resolve("cat/bad.png"), new byte[] {1});  // validation must come before decoding
        image(dir.resolve("dog/a.png"), 2, 2, Color.RED);
        assertInvalid(() -> ImageFolderReader.read(dir, 0, 2, 3, null), dir.toString(), "1..4096");
        assertInvalid(() -> ImageFolderReader.read(dir, 2, 4097, 3, null), dir.toString(), "1..4096");
        assertInvalid(() -> ImageFolderReader.read(dir, 2, 2, 2, null), dir.toString(), "channels", "got 2");
    }
}
