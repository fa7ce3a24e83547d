package io.averon.core.model;

import io.averon.core.InvalidInputException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Which model to build: a {@link ModelPreset} by name, or a DL4J configuration JSON file
 * ({@code MultiLayerConfiguration} or {@code ComputationGraphConfiguration}).
 *
 * @param preset     the preset, or null for a JSON configuration
 * @param configJson the JSON text, or null for a preset
 * @param source     what the user gave ({@code mlp}, or the file path), for messages and provenance
 */
public record ModelSpec(ModelPreset preset, String configJson, String source) {

    public static final io.averon.core.settings.Setting<String> MODEL = io.averon.core.settings.Setting.of("model",
            String.class, "mlp", "A preset (linear, logistic, mlp, cnn) or a DL4J MultiLayerNetwork/ComputationGraph "
                    + "configuration JSON, which carries its own optimiser.");

    /** Largest configuration file accepted. */
    static final long MAX_CONFIG_BYTES = 16L << 20;

    public ModelSpec {
        if ((preset == null) == (configJson == null)) {
            throw new IllegalArgumentException("exactly one of preset and configJson must be given");
        }
    }

    /** A preset name ({@code linear}, {@code logistic}, {@code mlp}, {@code cnn}) or a path to a JSON file. */
    public static ModelSpec parse(String nameOrPath) {
        Optional<ModelPreset> preset = ModelPreset.byId(nameOrPath);
        if (preset.isPresent()) {
            return new ModelSpec(preset.get(), null, nameOrPath);
        }
        Path file = Path.of(nameOrPath);
        if (!nameOrPath.endsWith(".json") && !Files.exists(file)) {
            throw new InvalidInputException("--model " + nameOrPath + ": not a preset (linear, logistic, mlp, cnn) "
                    + "and not a DL4J configuration .json file");
        }
        try {
            long size = Files.size(file);
            if (size > MAX_CONFIG_BYTES) {
                throw new InvalidInputException(file + ": " + size + " bytes is too large for a model configuration");
            }
            return new ModelSpec(null, Files.readString(file, StandardCharsets.UTF_8), nameOrPath);
        } catch (NoSuchFileException e) {
            throw new InvalidInputException(file + ": no such file");
        } catch (IOException e) {
            throw new InvalidInputException(file + ": cannot read (" + e.getMessage() + ")");
        }
    }

    /** Whether the model has convolution or pooling layers (decides the native build). */
    public boolean convolutional() {
        return preset != null ? preset.convolutional() : hasConvolutionLayers(configJson);
    }

    /**
     * Whether a DL4J configuration JSON has convolution or pooling layers. Training and evaluation
     * both decide the native build with this one test, so a model is evaluated on the build it was
     * trained on.
     */
    public static boolean hasConvolutionLayers(String configJson) {
        return configJson.contains("ConvolutionLayer") || configJson.contains("Convolution2D")
                || configJson.contains("Subsampling");
    }
}
