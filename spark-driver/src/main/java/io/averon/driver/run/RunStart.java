package io.averon.driver.run;

import io.averon.core.model.AveronModel;
import io.averon.driver.data.InputFacts;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A run about to train: the facts of its data, the model it starts from, the epochs a resumed run
 * already has, and every setting in effect (metrics.json's {@code config}: the input's, the
 * model's, the training's and the engine's, defaults included).
 */
public record RunStart(InputFacts data, AveronModel model, int epochsDone, long seed, Map<String, Object> settings) {

    public RunStart {
        settings = Collections.unmodifiableMap(new LinkedHashMap<>(settings));
    }
}
