package io.averon.benchmarks;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PeerSettingsTest {

    @Test
    void shouldTakeEachModesDefaultsWhenOnlyTheModeIsGiven() {
        assertEquals(new PeerSettings(PeerSettings.Mode.COMPARE, 5, 20, List.of(1, 2),
                List.of("mlp", "cnn", "fashion-resnet"), List.of(128)), PeerSettings.parse("compare"));
        assertEquals(new PeerSettings(PeerSettings.Mode.SWEEP, 3, 8, List.of(1), List.of("mlp", "cnn"),
                List.of(16, 32, 64, 128, 256, 512)), PeerSettings.parse("sweep"));
    }

    @Test
    void shouldReadThePositionalArgumentsGiven() {
        PeerSettings settings = PeerSettings.parse("sweep", "1", "2.5", "1,2", "mlp", "16,128");
        assertEquals(1, settings.rounds());
        assertEquals(2.5, settings.seconds());
        assertEquals(List.of(1, 2), settings.threads());
        assertEquals(List.of("mlp"), settings.models());
        assertEquals(List.of(16, 128), settings.batches());
    }

    @Test
    void shouldRejectWhatNoProbeCanRun() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PeerSettings.parse("compare", "1", "2", "1",
                "mlp,vgg")).getMessage().startsWith("models must be among"));
        assertThrows(IllegalArgumentException.class, () -> PeerSettings.parse("compare", "1", "2", "1", "mlp", "64,128"));
        assertThrows(IllegalArgumentException.class, () -> PeerSettings.parse("sweep", "1", "2", "1", "mlp", "64"));
        assertThrows(IllegalArgumentException.class, () -> PeerSettings.parse("compare", "0"));
        assertThrows(IllegalArgumentException.class, () -> PeerSettings.parse("compare", "1", "2", "0"));
        assertThrows(IllegalArgumentException.class, () -> PeerSettings.parse("race"));
        assertThrows(IllegalArgumentException.class, () -> PeerSettings.parse("compare", "five"));
    }
}
