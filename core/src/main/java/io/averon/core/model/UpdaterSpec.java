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

    public UpdaterSpec {
        if (optimizer == null || schedule == null) {
            throw new IllegalArgumentException("optimizer and schedule are required");
        }
        if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
            throw new IllegalArgumentException("learning rate must be a positive number, got " + learningRate);
        }
        if (!(decay > 0 && decay <= 1)) {
            throw new IllegalArgumentException("learning-rate decay must be in (0, 1], got " + decay);
        }
        if (stepEpochs < 1 || totalEpochs < 1) {
            throw new IllegalArgumentException("step and total epochs must be >= 1");
        }
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
