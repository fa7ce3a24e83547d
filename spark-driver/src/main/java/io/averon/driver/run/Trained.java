package io.averon.driver.run;

import io.averon.core.model.AveronModel;
import io.averon.core.train.TrainingResult;
import io.averon.driver.data.InputFacts;

/**
 * A finished run: the trained model (with early stopping, the best epoch's parameters), its
 * per-epoch records and final metrics, the facts of the data it was trained on, and the number of
 * workers (1 for the local engine).
 */
public record Trained(AveronModel model, TrainingResult training, InputFacts data, int workers) {
}
