package io.averon.core.model;

import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.linalg.schedule.MapSchedule;
import org.nd4j.linalg.schedule.ScheduleType;
import org.nd4j.linalg.schedule.StepSchedule;

import io.averon.core.settings.Setting;
import io.averon.core.settings.SettingValues;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Optimiser and learning-rate schedule for a preset model.
 *
 * @param optimizer    Adam, SGD or Nesterov momentum
 * @param learningRate initial learning rate, &gt; 0
 * @param schedule     how the rate changes per epoch
 * @param decay        factor for {@link LrSchedule#STEP} / {@link LrSchedule#EXPONENTIAL}, in (0, 1]
 * @param stepEpochs   epochs between decays for {@link LrSchedule#STEP}, &gt;= 1
 * @param totalEpochs  epochs of the run (the horizon of {@link LrSchedule#LINEAR})
 */
public record UpdaterSpec(Optimizer optimizer, double learningRate, LrSchedule schedule, double decay,
                          int stepEpochs, int totalEpochs) implements java.io.Serializable {

    public static final Setting<Optimizer> OPTIMIZER = Setting.of("optimizer", Optimizer.class, Optimizer.ADAM,
            "The built-in models' optimiser.");
    /** No single default: {@link ModelPreset#defaultLearningRate(Optimizer)} chooses it per model and optimiser. */
    public static final Setting<Double> LEARNING_RATE = Setting.of("learning-rate", Double.class, null,
            "Default: adam 0.001 (cnn, mlp: 0.002), sgd and nesterov 0.01.")
            .requiring(v -> v > 0 && Double.isFinite(v), "must be a positive number");
    /** No single default: {@link ModelPreset#defaultSchedule(Optimizer)} chooses it. */
    public static final Setting<LrSchedule> LR_SCHEDULE = Setting.of("lr-schedule", LrSchedule.class, null,
            "Per-epoch schedule. Default: constant (mlp with adam: linear).");
    public static final Setting<Double> LR_DECAY = Setting.of("lr-decay", Double.class, 0.5,
            "Factor for step/exponential.").requiring(v -> v > 0 && v <= 1, "must be in (0, 1]");
    public static final Setting<Integer> LR_STEP = Setting.atLeast("lr-step", 2, 1, "Epochs between step decays.");

    /** The optimiser's settings, in the order metrics.json records them. */
    public static final List<Setting<?>> SETTINGS = List.of(OPTIMIZER, LEARNING_RATE, LR_SCHEDULE, LR_DECAY, LR_STEP);

    public UpdaterSpec {
        if (optimizer == null || schedule == null) {
            throw new IllegalArgumentException("optimizer and schedule are required");
        }
        LEARNING_RATE.validate(learningRate);
        LR_DECAY.validate(decay);
        LR_STEP.validate(stepEpochs);
        if (totalEpochs < 1) {
            throw new IllegalArgumentException("total epochs must be >= 1");
        }
    }

    /**
     * What metrics.json's {@code config} records: the optimiser, its rate and schedule, and the
     * schedule's parameters when it uses them.
     */
    public Map<String, Object> settings() {
        SettingValues values = new SettingValues().put(OPTIMIZER, optimizer).put(LEARNING_RATE, learningRate)
                .put(LR_SCHEDULE, schedule);
        if (schedule == LrSchedule.STEP || schedule == LrSchedule.EXPONENTIAL) {
            values.put(LR_DECAY, decay);
        }
        if (schedule == LrSchedule.STEP) {
            values.put(LR_STEP, stepEpochs);
        }
        return values.toMap();
    }

    /**
     * The optimiser for {@code model} with what was given, each unset choice ({@code null}) made as
     * the {@link #LEARNING_RATE} and {@link #LR_SCHEDULE} declarations say: the preset's own rate and
     * schedule for {@code optimizer}; for a DL4J configuration (which carries its own updater; this
     * spec is what is recorded) adam 0.001 or 0.01 for the others, constant.
     *
     * @throws IllegalArgumentException for a value out of range, with the setting's message
     */
    public static UpdaterSpec forModel(ModelSpec model, Optimizer optimizer, Double learningRate, LrSchedule schedule,
                                       double decay, int stepEpochs, int totalEpochs) {
        double rate = learningRate != null ? learningRate
                : model.preset() != null ? model.preset().defaultLearningRate(optimizer)
                : optimizer == Optimizer.ADAM ? 1e-3 : 1e-2;
        LrSchedule chosen = schedule != null ? schedule
                : model.preset() != null ? model.preset().defaultSchedule(optimizer) : LrSchedule.CONSTANT;
        return new UpdaterSpec(optimizer, rate, chosen, decay, stepEpochs, Math.max(1, totalEpochs));
    }

    /** Adam at a constant rate. */
    public static UpdaterSpec adam(double learningRate) {
        return new UpdaterSpec(Optimizer.ADAM, learningRate, LrSchedule.CONSTANT, 1.0, 1, 1);
    }

    /**
     * {@code learningRate * (1 - epoch / totalEpochs)} for epochs {@code 0 .. totalEpochs-1}, then 0.
     * (ND4J 1.0.0-M2.1's {@code PolySchedule} computes {@code (1 + epoch / maxIter)^power}: with power 1
     * the rate would grow to twice its initial value instead of decaying, so it is not used.)
     */
    private ISchedule linearDecay() {
        Map<Integer, Double> values = new TreeMap<>();
        for (int epoch = 0; epoch < totalEpochs; epoch++) {
            values.put(epoch, learningRate * (1.0 - (double) epoch / totalEpochs));
        }
        values.put(totalEpochs, 0.0);
        return new MapSchedule(ScheduleType.EPOCH, values);
    }

    /** The DL4J updater this spec describes. */
    public IUpdater toUpdater() {
        ISchedule rate = switch (schedule) {
            case CONSTANT -> null;
            case STEP -> new StepSchedule(ScheduleType.EPOCH, learningRate, decay, stepEpochs);
            case EXPONENTIAL -> new ExponentialSchedule(ScheduleType.EPOCH, learningRate, decay);
            case LINEAR -> linearDecay();
        };
        return switch (optimizer) {
            case ADAM -> rate == null ? new Adam(learningRate) : new Adam(rate);
            case SGD -> rate == null ? new Sgd(learningRate) : new Sgd(rate);
            case NESTEROV -> rate == null ? new Nesterovs(learningRate, 0.9) : new Nesterovs(rate, 0.9);
        };
    }
}
