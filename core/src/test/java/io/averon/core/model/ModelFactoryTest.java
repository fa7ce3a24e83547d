package io.averon.core.model;

import io.averon.core.InvalidInputException;
import org.nd4j.linalg.api.buffer.DataType;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static io.averon.core.InvalidInputAssertions.assertInvalidInput;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelFactoryTest {

    private static final UpdaterSpec ADAM = UpdaterSpec.adam(1e-3);

    @TempDir
    Path dir;

    private static AveronModel preset(String name, int[] shape, int outputs) {
        return ModelFactory.create(ModelSpec.parse(name), shape, outputs, ADAM, 7);
    }

    private static String assertInvalid(Executable call, String... fragments) {
        return assertInvalidInput(call, fragments);
    }

    @Test
    void shouldHaveDenseAndOutputParametersWhenPresetIsMlpOnMnistShapedData() {
        AveronModel model = preset("mlp", new int[] {1, 28, 28}, 10);

        assertEquals(784 * 256 + 256 + 256 * 10 + 10, model.numParams());
        assertEquals(AveronModel.Kind.MULTI_LAYER_NETWORK, model.kind());
        assertEquals(3, model.layers().size(), "dense, dropout, output");
        assertFalse(model.regressionOutput());
    }

    @Test
    void shouldHaveOneSoftmaxLayerWhenPresetIsLogistic() {
        assertEquals(784 * 10 + 10, preset("logistic", new int[] {784}, 10).numParams());
        assertEquals(4 * 3 + 3, preset("logistic", new int[] {4}, 3).numParams());
    }

    @Test
    void shouldHaveOneIdentityOutputWhenPresetIsLinear() {
        AveronModel model = preset("linear", new int[] {4}, 1);

        assertEquals(4 + 1, model.numParams());
        assertTrue(model.regressionOutput());
        INDArray out = model.output(Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 6, 4));
        assertArrayEquals(new long[] {6, 1}, out.shape());
    }

    @Test
    void shouldHaveLeNetParametersWhenPresetIsCnnOnMnistShapedData() {
        AveronModel model = preset("cnn", new int[] {1, 28, 28}, 10);

        long conv1 = 5 * 5 * 1 * 20 + 20;      // 28x28 -> 24x24x20, pooled to 12x12x20
        long conv2 = 5 * 5 * 20 * 50 + 50;     // 12x12 -> 8x8x50, pooled to 4x4x50
        long dense = 4 * 4 * 50 * 500 + 500;
        long output = 500 * 10 + 10;
        assertEquals(conv1 + conv2 + dense + output, model.numParams());
        assertEquals(6, model.layers().size());
        INDArray out = model.output(Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 2, 784));
        assertArrayEquals(new long[] {2, 10}, out.shape());
        assertEquals(2.0, out.sumNumber().doubleValue(), 1e-4, "softmax rows sum to 1");
    }

    @Test
    void shouldRejectCnnWhenDataIsTabular() {
        assertInvalid(() -> preset("cnn", new int[] {20}, 3), "cnn", "image data", "[20]");
    }

    @Test
    void shouldRejectCnnWhenImagesAreSmallerThan12Pixels() {
        assertInvalid(() -> preset("cnn", new int[] {1, 10, 28}, 3), "16x16", "10x28");
        assertInvalid(() -> preset("cnn", new int[] {1, 15, 15}, 3), "16x16", "15x15");
        assertEquals(10, preset("cnn", new int[] {1, 16, 16}, 10).output(Nd4j.rand(DataType.FLOAT, 2, 256)).size(1));
    }

    @Test
    void shouldGiveSameWeightsWhenSeedIsSameAndOtherWeightsWhenSeedDiffers() {
        AveronModel a = ModelFactory.create(ModelSpec.parse("mlp"), new int[] {8}, 3, ADAM, 1);
        AveronModel b = ModelFactory.create(ModelSpec.parse("mlp"), new int[] {8}, 3, ADAM, 1);
        AveronModel c = ModelFactory.create(ModelSpec.parse("mlp"), new int[] {8}, 3, ADAM, 2);

        assertEquals(a.params(), b.params());
        assertNotEquals(a.params(), c.params());
    }

    private static MultiLayerConfiguration multiLayer() {
        return new NeuralNetConfiguration.Builder().seed(3).updater(new Sgd(0.1)).list()
                .layer(new DenseLayer.Builder().nIn(4).nOut(5).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(5).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .build();
    }

    private static ComputationGraphConfiguration graph(boolean twoOutputs) {
        ComputationGraphConfiguration.GraphBuilder builder = new NeuralNetConfiguration.Builder().seed(3)
                .updater(new Sgd(0.1)).graphBuilder().addInputs("in")
                .addLayer("hidden", new DenseLayer.Builder().nIn(4).nOut(6).activation(Activation.RELU).build(), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(6).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "hidden");
        if (twoOutputs) {
            builder.addLayer("out2", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(6).nOut(1)
                    .activation(Activation.IDENTITY).build(), "hidden");
            return builder.setOutputs("out", "out2").build();
        }
        return builder.setOutputs("out").build();
    }

    private Path json(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    @Test
    void shouldLoadAMultiLayerNetworkWhenJsonIsAMultiLayerConfiguration() throws IOException {
        Path file = json("mln.json", multiLayer().toJson());

        ModelSpec spec = ModelSpec.parse(file.toString());
        AveronModel model = ModelFactory.create(spec, new int[] {4}, 3, ADAM, 99);

        assertNull(spec.preset());
        assertEquals(file.toString(), spec.source());
        assertEquals(AveronModel.Kind.MULTI_LAYER_NETWORK, model.kind());
        assertInstanceOf(MultiLayerNetwork.class, model.dl4j());
        assertEquals(4 * 5 + 5 + 5 * 3 + 3, model.numParams());
        assertFalse(spec.convolutional());
        MultiLayerNetwork reference = new MultiLayerNetwork(multiLayer());
        reference.init();
        assertEquals(reference.params(), model.params(), "the JSON's own seed, not the factory's");
    }

    @Test
    void shouldLoadAComputationGraphWhenJsonIsAGraphConfiguration() throws IOException {
        Path file = json("graph.json", graph(false).toJson());

        AveronModel model = ModelFactory.create(ModelSpec.parse(file.toString()), new int[] {4}, 3, ADAM, 1);

        assertEquals(AveronModel.Kind.COMPUTATION_GRAPH, model.kind());
        assertInstanceOf(ComputationGraph.class, model.dl4j());
        assertEquals(4 * 6 + 6 + 6 * 3 + 3, model.numParams());
        INDArray out = model.output(Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 5, 4));
        assertArrayEquals(new long[] {5, 3}, out.shape());
    }

    @Test
    void shouldRejectNamingTheFileWhenGraphHasTwoOutputs() throws IOException {
        Path file = json("two-outputs.json", graph(true).toJson());

        assertInvalid(() -> ModelFactory.create(ModelSpec.parse(file.toString()), new int[] {4}, 3, ADAM, 1),
                file.toString(), "2 outputs", "single-input, single-output");
    }

    @Test
    void shouldRejectNamingTheFileWhenJsonIsInvalid() throws IOException {
        Path file = json("broken.json", "{\"confs\": [ {");

        assertInvalid(() -> ModelFactory.create(ModelSpec.parse(file.toString()), new int[] {4}, 3, ADAM, 1),
                file.toString(), "not valid JSON");
    }

    @Test
    void shouldRejectNamingTheFileWhenJsonIsNeitherKindOfConfiguration() throws IOException {
        Path file = json("other.json", "{\"layers\": [1, 2, 3]}");

        assertInvalid(() -> ModelFactory.create(ModelSpec.parse(file.toString()), new int[] {4}, 3, ADAM, 1),
                file.toString(), "MultiLayerConfiguration", "ComputationGraphConfiguration");
    }

    @Test
    void shouldRejectNamingTheFileWhenJsonIsEmpty() throws IOException {
        Path file = json("empty.json", "");

        assertInvalid(() -> ModelFactory.create(ModelSpec.parse(file.toString()), new int[] {4}, 3, ADAM, 1),
                file.toString());
    }

    @Test
    void shouldRejectNamingTheFileWhenConfsAreNotADl4jConfiguration() throws IOException {
        Path file = json("bad-confs.json", "{\"confs\": \"not a list\", \"backprop\": 7}");

        assertInvalid(() -> ModelFactory.create(ModelSpec.parse(file.toString()), new int[] {4}, 3, ADAM, 1),
                file.toString(), "invalid DL4J configuration");
    }

    @Test
    void shouldRejectWhenModelIsNeitherPresetNorJsonFile() {
        String message = assertInvalid(() -> ModelSpec.parse("nope"), "--model nope", "not a preset",
                "linear, logistic, mlp, cnn");
        assertTrue(message.contains(".json"), message);
    }

    @Test
    void shouldSayNoSuchFileWhenJsonFileIsMissing() {
        Path missing = dir.resolve("missing.json");

        assertInvalid(() -> ModelSpec.parse(missing.toString()), missing.toString(), "no such file");
    }

    @Test
    void shouldTellConvolutionalModelsWhenSpecIsPresetOrJson() throws IOException {
        assertTrue(ModelSpec.parse("cnn").convolutional());
        assertFalse(ModelSpec.parse("mlp").convolutional());
        assertEquals(ModelPreset.LOGISTIC, ModelSpec.parse("logistic").preset());
        MultiLayerConfiguration conv = new NeuralNetConfiguration.Builder().list()
                .layer(new org.deeplearning4j.nn.conf.layers.ConvolutionLayer.Builder(3, 3).nOut(2).build())
                .layer(new OutputLayer.Builder().nOut(2).activation(Activation.SOFTMAX).build())
                .setInputType(org.deeplearning4j.nn.conf.inputs.InputType.convolutionalFlat(8, 8, 1)).build();
        assertTrue(ModelSpec.parse(json("conv.json", conv.toJson()).toString()).convolutional());
    }

    @Test
    void shouldBuildTheMatchingDl4jUpdaterWhenSpecNamesOptimizerAndSchedule() {
        Adam adam = assertInstanceOf(Adam.class, UpdaterSpec.adam(0.01).toUpdater());
        assertEquals(0.01, adam.getLearningRate(0, 0), 1e-12);

        UpdaterSpec step = new UpdaterSpec(Optimizer.SGD, 0.1, LrSchedule.STEP, 0.5, 2, 10);
        Sgd sgd = assertInstanceOf(Sgd.class, step.toUpdater());
        assertEquals(0.1, sgd.getLearningRate(0, 0), 1e-12);
        assertEquals(0.1, sgd.getLearningRate(0, 1), 1e-12);
        assertEquals(0.05, sgd.getLearningRate(0, 2), 1e-12);
        assertEquals(0.025, sgd.getLearningRate(0, 5), 1e-12);

        UpdaterSpec exp = new UpdaterSpec(Optimizer.NESTEROV, 0.1, LrSchedule.EXPONENTIAL, 0.9, 1, 10);
        Nesterovs nesterovs = assertInstanceOf(Nesterovs.class, exp.toUpdater());
        assertEquals(0.9, nesterovs.getMomentum(), 1e-12);
        assertEquals(0.1 * 0.9 * 0.9, nesterovs.getLearningRate(0, 2), 1e-12);

        UpdaterSpec linear = new UpdaterSpec(Optimizer.ADAM, 0.1, LrSchedule.LINEAR, 1.0, 1, 4);
        Adam decaying = assertInstanceOf(Adam.class, linear.toUpdater());
        assertEquals(0.1, decaying.getLearningRate(0, 0), 1e-12);
        assertEquals(0.05, decaying.getLearningRate(0, 2), 1e-12);
        assertEquals(0.025, decaying.getLearningRate(0, 3), 1e-12, "the last epoch still trains");
        assertEquals(0.0, decaying.getLearningRate(0, 4), 1e-12, "linear decay reaches 0 after the last epoch");
        for (int epoch = 1; epoch < 4; epoch++) {
            assertTrue(decaying.getLearningRate(0, epoch) < decaying.getLearningRate(0, epoch - 1),
                    "the rate decays at epoch " + epoch);
        }
    }

    @Test
    void shouldKeepTheScheduleWhenPresetConfigurationGoesThroughJson() {
        UpdaterSpec linear = new UpdaterSpec(Optimizer.SGD, 0.2, LrSchedule.LINEAR, 1.0, 1, 5);
        AveronModel model = ModelFactory.create(ModelSpec.parse("logistic"), new int[] {3}, 2, linear, 1);

        AveronModel copy = AveronModel.fromConfiguration(model.kind(), model.configurationJson());

        MultiLayerNetwork net = (MultiLayerNetwork) copy.dl4j();
        org.nd4j.linalg.learning.config.IUpdater updater = net.getLayerWiseConfigurations().getConf(0).getLayer()
                .getUpdaterByParam("W");
        assertEquals(0.2 * 3 / 5, updater.getLearningRate(0, 2), 1e-12);
    }

    @Test
    void shouldRejectUpdaterSpecWhenValuesAreOutOfRange() {
        assertEquals("--learning-rate must be a positive number, got 0.0",
                assertThrows(InvalidInputException.class, () -> UpdaterSpec.adam(0)).getMessage());
        assertThrows(InvalidInputException.class, () -> UpdaterSpec.adam(Double.NaN));
        assertThrows(InvalidInputException.class, () -> UpdaterSpec.adam(Double.POSITIVE_INFINITY));
        assertEquals("--lr-decay must be in (0, 1], got 1.5", assertThrows(InvalidInputException.class,
                () -> new UpdaterSpec(Optimizer.SGD, 0.1, LrSchedule.STEP, 1.5, 1, 1)).getMessage());
        assertEquals("--lr-step must be >= 1, got 0", assertThrows(InvalidInputException.class,
                () -> new UpdaterSpec(Optimizer.SGD, 0.1, LrSchedule.STEP, 0.5, 0, 1)).getMessage());
    }
}
