package io.averon.core.train;

import io.averon.core.AveronException;
import io.averon.core.data.ArrayDataSet;
import io.averon.core.model.AveronModel;
import org.nd4j.linalg.api.ndarray.INDArray;

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
        MinibatchFeeder feeder = new MinibatchFeeder(train, config.batchSize(), config.augmentation());
        int batches = feeder.batchesPerEpoch();
        int[] order = new int[train.size()];
        int[] trainSample = Shuffling.sample(train.size(), config.trainEvalSample(), config.seed());
        listener.onTrainingStart(config.epochs(), batches, train.size());

        List<EpochRecord> records = new ArrayList<>();
        double best = Double.NEGATIVE_INFINITY;
        int bestEpoch = 0;
        INDArray bestParams = null;
        boolean stoppedEarly = false;
        for (int epoch = 1; epoch <= config.epochs(); epoch++) {
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
                listener.onBatchEnd(epoch, b + 1, batches, loss);
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            EvaluationResult trainEval = trainSample.length == 0 ? null
                    : Evaluator.evaluate(model, train, trainSample, Evaluator.DEFAULT_BATCH_SIZE);
            EvaluationResult testEval = Evaluator.evaluate(model, test);
            EpochRecord record = new EpochRecord(epoch, lossSum / train.size(), trainEval, testEval,
                    train.size(), seconds);
            records.add(record);
            listener.onEpochEnd(record);

            double score = testEval.isClassification() ? testEval.accuracy() : -testEval.loss();
            if (score > best) {
                best = score;
                bestEpoch = epoch;
                if (config.earlyStoppingPatience() > 0) {
                    bestParams = model.params().dup();
                }
            } else if (config.earlyStoppingPatience() > 0 && epoch - bestEpoch >= config.earlyStoppingPatience()) {
                stoppedEarly = epoch < config.epochs();
                break;
            }
        }
        EvaluationResult finalMetrics;
        int lastEpoch = records.get(records.size() - 1).epoch();
        model.setEpoch(lastEpoch); // DL4J's count after training: epochs completed (its schedules and continued fits read it)
        if (bestParams != null && bestEpoch != lastEpoch) {
            model.setParams(bestParams);
            finalMetrics = Evaluator.evaluate(model, test);
        } else {
            bestEpoch = lastEpoch;
            finalMetrics = records.get(records.size() - 1).test();
        }
        TrainingResult result = new TrainingResult(records, finalMetrics, bestEpoch, stoppedEarly);
        listener.onTrainingEnd(result);
        return result;
    }
}
