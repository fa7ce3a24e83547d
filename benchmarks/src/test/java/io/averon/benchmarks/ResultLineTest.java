package io.averon.benchmarks;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ResultLineTest {

    @Test
    void shouldReadTheNumbersOfAPeerLine() {
        ResultLine line = ResultLine.parse("RESULT examples_per_second=18835.9 seconds=2.00 ms_per_step=6.796 "
                + "params=152106 trainable=151274 torch=1.13.0a0 blas=generic->openblas-openmp");
        assertEquals(18835.9, line.examplesPerSecond());
        assertEquals(6.796, line.msPerStep());
        assertEquals(152106L, line.params());
        assertEquals("generic->openblas-openmp", line.value("blas"));
    }

    @Test
    void shouldListEachHelperClassOnceWhenSeveralLayersUseIt() {
        ResultLine line = ResultLine.parse("RESULT examples_per_second=1 helpers=ConvolutionLayer:MKLDNNConvHelper,"
                + "SubsamplingLayer:MKLDNNSubsamplingHelper,ConvolutionLayer:MKLDNNConvHelper,");
        assertEquals("MKLDNNConvHelper, MKLDNNSubsamplingHelper", line.helperNames());
        assertEquals("none", ResultLine.parse("RESULT helpers=none").helperNames());
    }

    @Test
    void shouldNameAveronsOwnStepAndLayers() {
        assertEquals("SequentialNetworkStep", ResultLine.parse("RESULT helpers=SequentialNetworkStep").helperNames());
        assertEquals("BatchNormHelper, ReluLayer", ResultLine.parse(
                "RESULT helpers=BatchNormalization:BatchNormHelper,ReluLayer,BatchNormalization:BatchNormHelper,ReluLayer,")
                .helperNames());
    }

    @Test
    void shouldNameTheMissingKey() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> ResultLine.parse("RESULT seconds=2").value("params"));
        assertEquals("no params in result {seconds=2}", e.getMessage());
    }

    @Test
    void shouldRejectALineThatIsNotAResult() {
        assertThrows(IllegalArgumentException.class, () -> ResultLine.parse("INFO examples_per_second=1"));
        assertThrows(IllegalArgumentException.class, () -> ResultLine.parse("RESULT examples_per_second"));
    }
}
