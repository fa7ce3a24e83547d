package io.averon.driver.run;

import io.averon.core.runtime.NativeRuntime;
import io.averon.core.train.TrainingConfig;
import io.averon.driver.data.InputFacts;
import io.averon.driver.data.TrainingInput;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A run's settings as metrics.json's {@code config} and model.zip record them, serialised from the
 * records that hold them: the engine, the input, the model source, the training configuration, the
 * facts of the data and the native runtime, then the engine's own settings.
 */
public final class RunSettings {

    private RunSettings() {
    }

    public static Map<String, Object> of(String engine, TrainingInput input, ModelSource model, TrainingConfig training,
                                         InputFacts facts, Map<String, Object> engineSettings) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("engine", engine);
        c.putAll(input.settings());
        c.putAll(model.settings());
        c.putAll(training.settings());
        c.put("split", facts.split());
        c.put("train_examples", facts.trainSize());
        c.put("test_examples", facts.testSize());
        c.put("native", NativeRuntime.describe());
        c.putAll(engineSettings);
        return c;
    }
}
