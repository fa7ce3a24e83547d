package io.averon.driver.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code train} writes report.html next to metrics.json with both engines, and the report really
 * draws in a browser: rendered by headless Chromium, its screenshot shows the charts and no image
 * is broken. Chromium must be installed ({@code apt-get install chromium}); CI installs it.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class ReportRenderingTest {

    static final Pattern IMG = Pattern.compile("<img[^>]*\\ssrc=\"([^\"]*)\"[^>]*\\salt=\"([^\"]*)\"");
    static final Pattern CSP = Pattern.compile("<meta http-equiv=\"Content-Security-Policy\"[^>]*>");
    static final Pattern PROBE_RESULT = Pattern.compile("broken=(\\d+) of (\\d+)");
    static final String DATA_URI = "data:image/png;base64,";
    /** Added to a copy of the report only (the report itself runs no script): counts images the browser could not draw. */
    static final String PROBE = "<script>window.addEventListener('load', function () { var b = 0;"
            + " for (var i = 0; i < document.images.length; i++) { var m = document.images[i];"
            + " if (!m.complete || m.naturalWidth === 0) b++; }"
            + " var p = document.createElement('pre'); p.textContent = 'broken=' + b + ' of ' + document.images.length;"
            + " document.body.appendChild(p); });</script>";
    /** Pixels of one heatmap colour that the screenshot must show (a cell is ~48x48 pixels). */
    static final int MIN_HEATMAP_PIXELS = 200;
    static final long CHROMIUM_TIMEOUT_SECONDS = 90;

    @TempDir
    Path tmp;

    @Test
    void shouldRenderChartsAndImagesInChromiumWhenTrainingWithTheLocalEngine() throws Exception {
        Path run = train("local", "--engine", "local", "--threads", "1");

        String html = report(run);
        assertTrue(html.contains("Seconds of training per epoch (local engine: no parameter-server sync)"));
        assertDrawnInChromium(run.resolve("report.html"), html);
    }

    @Test
    void shouldRenderChartsAndImagesInChromiumWhenTrainingWithTheSparkEngine() throws Exception {
        Path run = train("spark", "--workers", "2", "--master", "local[2]");

        String html = report(run);
        assertTrue(html.contains("Seconds per epoch and worker: minibatch compute and waiting on parameter-server sync"),
                "the time chart splits compute and sync per worker");
        assertFalse(html.contains("still going"), "the final report replaced the per-epoch one");
        assertDrawnInChromium(run.resolve("report.html"), html);
    }

    @Test
    void shouldDetectBrokenImagesWhenAnImageSourceIsCorrupted() throws Exception {
        Path run = train("local", "--engine", "local", "--threads", "1");
        String html = report(run);
        List<String[]> images = images(html);
        String heatmapSrc = images.stream().filter(i -> i[1].startsWith("Confusion matrix")).findFirst().orElseThrow()[0];
        String exampleSrc = images.stream().filter(i -> i[1].startsWith("example ")).findFirst().orElseThrow()[0];
        // the PNG signature and header cut off: neither Java nor a browser can make an image of what is left
        String corrupted = html.replace(heatmapSrc, DATA_URI + heatmapSrc.substring(DATA_URI.length() + 40))
                .replace(exampleSrc, DATA_URI + exampleSrc.substring(DATA_URI.length() + 40));
        Path copy = Files.writeString(tmp.resolve("corrupted.html"), corrupted, StandardCharsets.UTF_8);

        assertEquals(2, undecodable(corrupted).size(), "Java sees both broken images");
        assertEquals(2, brokenInBrowser(copy), "Chromium could not draw them either");
        assertTrue(pixelsOf(screenshot(copy), heatmapColours(html)) < MIN_HEATMAP_PIXELS,
                "without its image the screenshot shows no heatmap");
    }

    /** Trains 2 epochs of the MLP on small generated 16x16 digit-band images into tmp/NAME. */
    private Path train(String name, String... engine) throws IOException {
        Path data = TestFiles.idxDirectory(tmp.resolve("bands"), 400, 200);
        Path out = tmp.resolve(name);
        List<String> args = new ArrayList<>(List.of("train", "--data", data.toString(), "--model", "mlp", "--epochs",
                "2", "--batch-size", "32", "--seed", "5", "--out", out.toString(), "--no-progress"));
        args.addAll(List.of(engine));
        CliRun train = CliRun.of(args.toArray(String[]::new));
        assertEquals(0, train.exitCode(), train.err());
        assertTrue(train.out().contains("final test accuracy"), train.out());
        assertTrue(Files.isRegularFile(out.resolve("metrics.json")));
        assertTrue(Files.isRegularFile(out.resolve("report.html")), "report.html next to metrics.json");
        return out;
    }

    private static String report(Path run) throws IOException {
        return Files.readString(run.resolve("report.html"), StandardCharsets.UTF_8);
    }

    /** Every check a user's eye would make: images decode, the browser draws them, the page is not blank. */
    private void assertDrawnInChromium(Path file, String html) throws Exception {
        List<String[]> images = images(html);
        long examples = images.stream().filter(i -> i[1].startsWith("example ")).count();
        assertEquals(16, examples, "the 16 highest-loss test examples as images");
        assertEquals(4, images.size() - examples, "loss, accuracy, time and confusion charts");
        assertEquals(List.of(), undecodable(html), "every image is a PNG data URI that decodes to a drawn picture");
        assertTrue(CSP.matcher(html).find(), "the report forbids scripts and external loads");

        assertEquals(0, brokenInBrowser(file), "Chromium drew every image");

        BufferedImage shot = screenshot(file);
        int[] counts = whiteAndColours(shot);
        double inked = 1 - (double) counts[0] / ((long) shot.getWidth() * shot.getHeight());
        assertTrue(counts[1] > 200, "a drawn page has many colours, got " + counts[1]);
        assertTrue(inked > 0.03, "a drawn page is not all white, got " + inked);
        long heatmap = pixelsOf(shot, heatmapColours(html));
        assertTrue(heatmap >= MIN_HEATMAP_PIXELS, "the screenshot shows the confusion heatmap's colours, got "
                + heatmap + " pixels");
    }

    /** {src, alt} of every image. */
    static List<String[]> images(String html) {
        List<String[]> out = new ArrayList<>();
        Matcher m = IMG.matcher(html);
        while (m.find()) {
            out.add(new String[] {m.group(1), m.group(2)});
        }
        return out;
    }

    /** Alt texts of images that are not PNG data URIs decoding to an image of more than one colour. */
    static List<String> undecodable(String html) {
        List<String> out = new ArrayList<>();
        for (String[] image : images(html)) {
            BufferedImage decoded = decode(image[0]);
            if (decoded == null || whiteAndColours(decoded)[1] < 2) {
                out.add(image[1]);
            }
        }
        return out;
    }

    static BufferedImage decode(String src) {
        if (!src.startsWith(DATA_URI)) {
            return null;
        }
        try {
            return ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(src.substring(DATA_URI.length()))));
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * The heatmap cells' colours: saturated colours (not greys) covering at least {@link
     * #MIN_HEATMAP_PIXELS} pixels of the embedded confusion-matrix image.
     */
    static Set<Integer> heatmapColours(String html) {
        String src = images(html).stream().filter(i -> i[1].startsWith("Confusion matrix")).findFirst().orElseThrow()[0];
        BufferedImage heatmap = decode(src);
        Map<Integer, Integer> counts = new HashMap<>();
        for (int y = 0; y < heatmap.getHeight(); y++) {
            for (int x = 0; x < heatmap.getWidth(); x++) {
                int rgb = heatmap.getRGB(x, y) & 0xffffff;
                int r = rgb >> 16 & 0xff;
                int g = rgb >> 8 & 0xff;
                int b = rgb & 0xff;
                if (Math.max(r, Math.max(g, b)) - Math.min(r, Math.min(g, b)) >= 40) {
                    counts.merge(rgb, 1, Integer::sum);
                }
            }
        }
        Set<Integer> colours = new HashSet<>();
        counts.forEach((rgb, n) -> {
            if (n >= MIN_HEATMAP_PIXELS) {
                colours.add(rgb);
            }
        });
        assertFalse(colours.isEmpty(), "the heatmap has coloured cells");
        return colours;
    }

    /** Pixels of the image within 2 levels per channel of one of the colours. */
    static long pixelsOf(BufferedImage image, Set<Integer> colours) {
        long n = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y);
                for (int c : colours) {
                    if (Math.abs((rgb >> 16 & 0xff) - (c >> 16 & 0xff)) <= 2 && Math.abs((rgb >> 8 & 0xff)
                            - (c >> 8 & 0xff)) <= 2 && Math.abs((rgb & 0xff) - (c & 0xff)) <= 2) {
                        n++;
                        break;
                    }
                }
            }
        }
        return n;
    }

    /** {white pixels, distinct colours}. */
    static int[] whiteAndColours(BufferedImage image) {
        Set<Integer> colours = new HashSet<>();
        int white = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y) & 0xffffff;
                colours.add(rgb);
                if ((rgb >> 16 & 0xff) > 245 && (rgb >> 8 & 0xff) > 245 && (rgb & 0xff) > 245) {
                    white++;
                }
            }
        }
        return new int[] {white, colours.size()};
    }

    /** Images Chromium could not draw, counted by a probe script in a copy of the report. */
    private int brokenInBrowser(Path report) throws Exception {
        String html = Files.readString(report, StandardCharsets.UTF_8);
        String probed = CSP.matcher(html).replaceFirst("").replace("</body>", PROBE + "\n</body>");
        Path copy = Files.writeString(tmp.resolve("probed-" + report.getFileName()), probed, StandardCharsets.UTF_8);
        String dom = chromium("--dump-dom", copy.toUri().toString());
        Matcher m = PROBE_RESULT.matcher(dom);
        if (!m.find()) {
            fail("the probe did not run in Chromium; its output: " + dom.substring(0, Math.min(500, dom.length())));
        }
        assertEquals(images(html).size(), Integer.parseInt(m.group(2)), "Chromium saw every image");
        return Integer.parseInt(m.group(1));
    }

    private BufferedImage screenshot(Path report) throws Exception {
        Path png = tmp.resolve(report.getFileName() + ".png");
        chromium("--hide-scrollbars", "--window-size=1280,4000", "--screenshot=" + png, report.toUri().toString());
        assertTrue(Files.isRegularFile(png), "Chromium wrote the screenshot");
        BufferedImage shot = ImageIO.read(png.toFile());
        assertTrue(shot != null && shot.getWidth() == 1280, "the screenshot decodes");
        return shot;
    }

    /** Runs headless Chromium with its own profile and HOME under tmp; returns its standard output. */
    private String chromium(String... args) throws Exception {
        Path home = Files.createDirectories(tmp.resolve("chromium-home"));
        List<String> command = new ArrayList<>(List.of(chromiumBinary(), "--headless=new", "--no-sandbox",
                "--disable-gpu", "--no-first-run", "--user-data-dir=" + home.resolve("profile")));
        command.addAll(List.of(args));
        Path stdout = Files.createTempFile(tmp, "chromium", ".out");
        Path stderr = Files.createTempFile(tmp, "chromium", ".err");
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(stdout.toFile())
                .redirectError(stderr.toFile());
        builder.environment().put("HOME", home.toString());
        Process process = builder.start();
        if (!process.waitFor(CHROMIUM_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            fail("Chromium did not finish within " + CHROMIUM_TIMEOUT_SECONDS + " s: " + command);
        }
        String err = Files.readString(stderr, StandardCharsets.UTF_8);
        assertEquals(0, process.exitValue(), "Chromium failed: " + err.substring(Math.max(0, err.length() - 2000)));
        return Files.readString(stdout, StandardCharsets.UTF_8);
    }

    static String chromiumBinary() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            for (String name : List.of("chromium", "chromium-browser")) {
                Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
                if (Files.isExecutable(candidate)) {
                    return candidate.toString();
                }
            }
        }
        return fail("Chromium is needed to check that report.html renders, and neither chromium nor "
                + "chromium-browser is on PATH: apt-get install chromium");
    }
}
