package io.averon.driver.run;

import io.averon.core.model.AveronModel;
import io.averon.core.model.ModelCheck;
import io.averon.core.model.ModelSpec;
import io.averon.core.model.UpdaterSpec;
import io.averon.core.settings.SettingValues;
import io.averon.driver.data.InputFacts;

import java.util.Map;

/**
 * Where a run's model comes from, once its data is known: a preset or a DL4J configuration file
 * built for the data's shape and classes, a model the caller built, or a checkpoint to continue
 * ({@link RunOutput#resumeOr}).
 */
public interface ModelSource {

    /** The model to train, and how many epochs of the run it has already had (0 for a new one). */
    record Start(AveronModel model, int epochsDone) {
    }

    /**
     * The model for data with these facts, checked to take its examples.
     *
     * @param seed the run's seed (weights of a new model)
     */
    Start build(InputFacts data, long seed);

    /** What metrics.json's {@code config} records about the model. */
    Map<String, Object> settings();

    /**
     * A preset ({@code linear}, {@code logistic}, {@code mlp}, {@code cnn}) with {@code updater}'s
     * optimiser, or a configuration file, which carries its own optimiser ({@code updater} unused).
     */
    static ModelSource of(ModelSpec spec, UpdaterSpec updater) {
        return new ModelSource() {
            @Override
            public Start build(InputFacts data, long seed) {
                return new Start(ModelCheck.build(spec, data.probe(), updater, seed), 0);
            }

            @Override
            public Map<String, Object> settings() {
                Map<String, Object> s = new SettingValues().put(ModelSpec.MODEL, spec.source()).toMap();
                if (spec.preset() != null) { // a model file's own optimiser is in its configuration
                    s.putAll(updater.settings());
                }
                return s;
            }
        };
    }

    /** A model the caller built (a DL4J network wrapped with {@code AveronModel.of}), checked against the data. */
    static ModelSource of(AveronModel model) {
        return new ModelSource() {
            @Override
            public Start build(InputFacts data, long seed) {
                ModelCheck.checkFits(model, data.probe(), "the model");
                return new Start(model, 0);
            }

            @Override
            public Map<String, Object> settings() {
                return new SettingValues().put(ModelSpec.MODEL, "given: " + model.kind() + " of " + model.numParams()
                        + " parameters").toMap();
            }
        };
    }
}
