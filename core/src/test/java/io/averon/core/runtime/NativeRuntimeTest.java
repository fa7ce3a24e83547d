package io.averon.core.runtime;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Which libnd4j build loads, and whether DL4J's oneDNN layer helpers are on, is decided once per
 * JVM: each case runs {@link HelperProbe} in a fresh child JVM.
 */
class NativeRuntimeTest {

    private static final long PROBE_TIMEOUT_SECONDS = 120;

    /** Runs the probe; returns its combined output after asserting it exited 0 in time. */
    private static String probe(boolean oneDnn) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED",
                "-Xmx1g",
                "-cp", System.getProperty("java.class.path"),
                HelperProbe.class.getName(), Boolean.toString(oneDnn))
                .redirectErrorStream(true);
        builder.environment().put("OMP_WAIT_POLICY", "PASSIVE");
        builder.environment().remove("OMP_NUM_THREADS");
        Process process = builder.start();
        CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
            try (InputStream in = process.getInputStream()) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "(output unreadable: " + e + ")";
            }
        });
        if (!process.waitFor(PROBE_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError("probe (oneDnn=" + oneDnn + ") did not finish in " + PROBE_TIMEOUT_SECONDS
                    + " s; output so far:\n" + output.getNow("(none)"));
        }
        String text = output.join();
        assertEquals(0, process.exitValue(), () -> "probe (oneDnn=" + oneDnn + ") failed:\n" + text);
        return text;
    }

    private static List<String> lines(String output, String prefix) {
        return output.lines().filter(l -> l.startsWith(prefix)).toList();
    }

    private static String describe(String output) {
        List<String> found = lines(output, "DESCRIBE ");
        assertEquals(1, found.size(), () -> "one DESCRIBE line expected in:\n" + output);
        return found.get(0);
    }

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void shouldGiveConvolutionAndPoolingLayersMkldnnHelpersWhenOneDnnIsOn() throws Exception {
        String output = probe(true);

        List<String> layers = lines(output, "LAYER ");
        assertEquals(6, layers.size(), () -> "six layers expected in:\n" + output);
        int withHelper = 0;
        for (String line : layers) {
            boolean convOrPool = line.contains(".ConvolutionLayer ") || line.contains(".SubsamplingLayer ");
            if (convOrPool) {
                assertFalse(line.endsWith("HELPER null"), () -> "no helper: " + line + "\nin:\n" + output);
                String helper = line.substring(line.indexOf(" HELPER ") + 8);
                // the first layer's: Averon's, which runs DL4J's oneDNN helper and skips the input gradient
                String expected = line == layers.get(0) ? "io.averon.core.model.FirstConvolutionHelper" : "MKLDNN";
                assertTrue(helper.contains(expected), () -> "not a oneDNN helper: " + line + "\nin:\n" + output);
                withHelper++;
            }
        }
        assertEquals(4, withHelper, () -> "two convolution and two pooling layers expected in:\n" + output);
        String describe = describe(output);
        assertTrue(describe.contains("build=onednn"), () -> describe + "\nin:\n" + output);
        assertTrue(describe.contains("onednn_active=true"), () -> describe + "\nin:\n" + output);
        assertTrue(describe.contains("dl4j_helpers=true"), () -> describe + "\nin:\n" + output);
        assertTrue(describe.contains("threads=1"), () -> describe + "\nin:\n" + output);
        assertTrue(describe.contains("omp_wait_policy=PASSIVE"), () -> describe + "\nin:\n" + output);
        assertTrue(lines(output, "LOSS ").stream().allMatch(l -> Double.isFinite(Double.parseDouble(l.substring(5)))),
                () -> "finite loss expected in:\n" + output);
    }

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void shouldUseNoHelpersAndThePlainBuildWhenOneDnnIsOff() throws Exception {
        String output = probe(false);

        List<String> layers = lines(output, "LAYER ");
        assertEquals(6, layers.size(), () -> "six layers expected in:\n" + output);
        for (String line : layers) {
            assertTrue(line.endsWith("HELPER null"), () -> "unexpected helper: " + line + "\nin:\n" + output);
        }
        String describe = describe(output);
        assertTrue(describe.contains("build=plain"), () -> describe + "\nin:\n" + output);
        assertTrue(describe.contains("onednn_active=false"), () -> describe + "\nin:\n" + output);
        assertTrue(describe.contains("dl4j_helpers=false"), () -> describe + "\nin:\n" + output);
        assertTrue(describe.contains("threads=1"), () -> describe + "\nin:\n" + output);
    }

    @Test
    void shouldForwardToTheRelocatedEnvironmentWhenDl4jAsksTheOldName() throws Exception {
        // DL4J looks the shim up by reflection, as here; it must answer what ND4J's relocated class answers.
        Class<?> shim = Class.forName("org.nd4j.nativeblas.Nd4jCpu$Environment");
        Object instance = shim.getMethod("getInstance").invoke(null);
        boolean viaShim = (boolean) shim.getMethod("isUseMKLDNN").invoke(instance);

        // the relocated class by name too: it exists in the CPU backend only, and -Pcuda builds compile this test
        Class<?> relocated = Class.forName("org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu$Environment");
        boolean direct = (boolean) relocated.getMethod("isUseONEDNN").invoke(relocated.getMethod("getInstance").invoke(null));

        assertEquals(direct, viaShim);
    }

    @Test
    void shouldRejectSettingsWhenThreadsAreBelowOne() {
        assertThrows(IllegalArgumentException.class, () -> new NativeSettings(0, false));
        assertNotEquals(0, NativeSettings.defaults().threads());
        assertFalse(NativeSettings.defaults().oneDnn());
    }
}
