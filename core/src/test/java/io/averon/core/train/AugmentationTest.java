package io.averon.core.train;

import io.averon.core.InvalidInputException;
import io.averon.core.data.ArrayDataSet;
import io.averon.core.data.Labels;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AugmentationTest {

    /** One 1x3x4 image whose pixel (y, x) holds 1 + 4y + x: every position is distinguishable. */
    private static final ArrayDataSet IMAGE = new ArrayDataSet("img", new int[] {1, 3, 4},
            new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12},
            new Labels.Classes(new int[] {0}, List.of("a", "b")));

    private static float[] fill(MinibatchFeeder feeder) {
        return feeder.fill(null, 0, 1).features().dup('c').data().asFloat();
    }

    @Test
    void shouldParseTheListUsersTypeWhenGivenCropAndFlip() {
        assertEquals(new Augmentation(true, true, 4), Augmentation.parse("crop,flip"));
        assertEquals(new Augmentation(true, false, 2), Augmentation.parse("crop:2"));
        assertEquals(new Augmentation(false, true, 4), Augmentation.parse(" flip "));
        assertFalse(Augmentation.parse("none").active());
        assertFalse(Augmentation.parse(null).active());
        assertEquals("crop:4,flip", Augmentation.parse("flip,crop").toString());
    }

    @Test
    void shouldNameTheBadPartWhenTheListHasAnUnknownAugmentation() {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> Augmentation.parse("crop,rotate"));
        assertTrue(e.getMessage().contains("'rotate'"), e.getMessage());
        assertThrows(InvalidInputException.class, () -> Augmentation.parse("crop:x"));
        assertThrows(InvalidInputException.class, () -> Augmentation.parse("crop:0"));
    }

    @Test
    void shouldRefuseDataThatIsNotImagesWhenAugmenting() {
        ArrayDataSet tabular = new ArrayDataSet("table.csv", new int[] {3}, new float[3],
                new Labels.Classes(new int[] {0}, List.of("a", "b")));
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> new MinibatchFeeder(tabular, 1, Augmentation.parse("flip")));
        assertTrue(e.getMessage().contains("table.csv") && e.getMessage().contains("image"), e.getMessage());
    }

    @Test
    void shouldGiveTheImageOrItsMirrorWhenFlipping() {
        float[] original = IMAGE.features();
        float[] mirrored = {4, 3, 2, 1, 8, 7, 6, 5, 12, 11, 10, 9};
        MinibatchFeeder feeder = new MinibatchFeeder(IMAGE, 1, Augmentation.parse("flip"));
        Set<String> seen = new HashSet<>();
        for (long seed = 0; seed < 40; seed++) {
            feeder.reseed(seed);
            float[] out = fill(feeder);
            assertTrue(Arrays.equals(out, original) || Arrays.equals(out, mirrored), Arrays.toString(out));
            seen.add(Arrays.toString(out));
        }
        assertEquals(2, seen.size(), "both the image and its mirror should occur");
    }

    @Test
    void shouldShiftTheImageWithZeroPaddingWhenCropping() {
        MinibatchFeeder feeder = new MinibatchFeeder(IMAGE, 1, Augmentation.parse("crop:1"));
        Set<String> seen = new HashSet<>();
        for (long seed = 0; seed < 200; seed++) {
            feeder.reseed(seed);
            float[] out = fill(feeder);
            // some shift (dy, dx) in [-1, 1]^2 explains every pixel: a moved window, zeros outside
            boolean explained = false;
            for (int dy = -1; dy <= 1 && !explained; dy++) {
                for (int dx = -1; dx <= 1 && !explained; dx++) {
                    explained = Arrays.equals(out, shifted(dy, dx));
                }
            }
            assertTrue(explained, Arrays.toString(out));
            seen.add(Arrays.toString(out));
        }
        assertEquals(9, seen.size(), "all nine shifts of a 1-pixel crop should occur");
    }

    @Test
    void shouldRepeatTheSameDrawsWhenReseededAlikeAndLeaveEvaluationAlone() {
        MinibatchFeeder a = new MinibatchFeeder(IMAGE, 1, Augmentation.parse("crop:1,flip"));
        MinibatchFeeder b = new MinibatchFeeder(IMAGE, 1, Augmentation.parse("crop:1,flip"));
        a.reseed(7);
        b.reseed(7);
        for (int i = 0; i < 5; i++) {
            assertArrayEquals(fill(a), fill(b));
        }
        assertArrayEquals(IMAGE.features(), fill(new MinibatchFeeder(IMAGE, 1)));
    }

    private static float[] shifted(int dy, int dx) {
        float[] out = new float[12];
        for (int y = 0; y < 3; y++) {
            for (int x = 0; x < 4; x++) {
                int sy = y + dy;
                int sx = x + dx;
                out[y * 4 + x] = sy < 0 || sy >= 3 || sx < 0 || sx >= 4 ? 0 : 1 + 4 * sy + sx;
            }
        }
        return out;
    }
}
