package io.averon.core.train;

import io.averon.core.AveronException;
import io.averon.core.data.ArrayDataSet;
import io.averon.core.model.AveronModel;

import java.util.ArrayList;
import java.util.List;

/**
 * Trains one model in this JVM: per epoch a seeded shuffle, minibatch steps, then evaluation on
 * a fixed training sample and on the held-out split. Same seed, data and config give the same
 * parameters.
 */
public final class LocalTrainer {

    private final TrainingConfig config;

    public LocalTrainer(TrainingConfig config) {
        this.config = config;
    }

    public TrainingConfig config() {
        return config;
    }

    /**
     * Trains {@code model} on {@code train}, evaluating on {@code test} after every epoch.
     *
     * @throws AveronException if the loss becomes NaN or infinite (diverged)
     */
    public TrainingResult fit(AveronModel model, ArrayDataSet train, ArrayDataSet test, TrainingListener listener) {
        return fit(model, train, test, 0, listener);
    }

    /**
     * Continues training {@code model} after {@code epochsDone} epochs (a checkpoint's): the
     * epochs after it shuffle, augment and schedule the learning rate as an uninterrupted run would.
     */
    public TrainingResult fit(AveronModel model, ArrayDataSet train, ArrayDataSet test, int epochsDone,
                              TrainingListener listener) {
        if (epochsDone < 0 || epochsDone >= config.epochs()) {
            throw new io.averon.core.InvalidInputException("cannot continue after epoch " + epochsDone + " of a "
                    + config.epochs() + "-epoch run; raise --epochs");
        }
        EarlyStopping early = config.earlyStoppingPatience() > 0 ? new EarlyStopping(config.earlyStoppingPatience())
                : null;
        TrainingListener all = early == null ? listener : TrainingListener.all(List.of(listener, early));
        MinibatchFeeder feeder = new MinibatchFeeder(train, config.batchSize(), config.augmentation());
        int batches = feeder.batchesPerEpoch();
        int[] order = new int[train.size()];
        int[] trainSample = Shuffling.sample(train.size(), config.trainEvalSample(), config.seed());
        all.onTrainingStart(config.epochs(), batches, train.size());

        List<EpochRecord> records = new ArrayList<>();
        for (int epoch = epochsDone + 1; epoch <= config.epochs(); epoch++) {
            Shuffling.epochOrder(order, config.seed(), epoch, config.shuffle());
            feeder.reseed(Shuffling.epochSeed(config.seed(), epoch));
            model.setEpoch(epoch - 1);
            long started = System.nanoTime();
            double lossSum = 0;
            for (int b = 0; b < batches; b++) {
                int start = b * config.batchSize();
                int count = Math.min(config.batchSize(), train.size() - start);
                MinibatchFeeder.Batch batch = feeder.fill(order, start, count);
                model.fit(batch.features(), batch.labels());
                double loss = model.lastLoss();
                if (!Double.isFinite(loss)) {
                    throw new AveronException("training diverged at epoch " + epoch + ", minibatch " + (b + 1)
                            + ": loss is " + loss + "; lower the learning rate");
                }
                lossSum += loss * count;
                all.onBatchEnd(epoch, b + 1, batches, loss);
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            EvaluationResult trainEval = trainSample.length == 0 ? null
                    : Evaluator.evaluate(model, train, trainSample, Evaluator.DEFAULT_BATCH_SIZE);
            EvaluationResult testEval = Evaluator.evaluate(model, test);
            EpochRecord record = new EpochRecord(epoch, lossSum / train.size(), trainEval, testEval,
                    train.size(), seconds);
            records.add(record);
            model.setEpoch(epoch); // DL4J's count after training: epochs completed (its schedules and continued fits read it)
            all.onEpochEnd(record);
            all.onEpochModel(record, model);
            if (all.stopRequested()) {
                break;
            }
        }
        EpochRecord last = records.get(records.size() - 1);
        TrainingResult result = early != null ? early.finish(model, records, config.epochs())
                : new TrainingResult(records, last.test(), last.epoch(), last.epoch() < config.epochs());
        all.onTrainingEnd(result);
        return result;
    }
}
