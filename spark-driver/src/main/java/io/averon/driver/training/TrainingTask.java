package io.averon.driver.training;

import io.averon.driver.spark.ExecutorRuntime;
import io.averon.core.AveronException;
import io.averon.core.data.ArrayDataSet;
import io.averon.core.model.AveronModel;
import io.averon.core.runtime.NativeSettings;
import io.averon.core.train.Evaluator;
import io.averon.core.train.MinibatchFeeder;
import io.averon.core.train.Shuffling;
import io.averon.ps.RoundClient;
import io.averon.ps.protocol.Encoding;
import io.averon.ps.transport.SharedMediaDriver;
import io.averon.ps.report.ReportPublisher;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.TaskKilledException;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.collection.Iterator;
import scala.runtime.AbstractFunction1;

import java.io.Serializable;
import java.util.List;
import java.util.Map;

/**
 * One barrier task of the training stage: loads its shard, builds its replica once, joins the
 * rounds (the parameter server's, or the workers' own when sharded; resuming from the last closed
 * round if this is a relaunch), then per epoch
 * trains its minibatches, syncs every round, evaluates the averaged model on its part of the test
 * split and reports the partial metrics (worker 0 also the averaged model) to the driver.
 */
final class TrainingTask<T> extends AbstractFunction1<Iterator<T>, Iterator<String>> implements Serializable {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(TrainingTask.class);

    private final TaskPlan plan;
    private final ShardSource<T> source;

    TrainingTask(TaskPlan plan, ShardSource<T> source) {
        this.plan = plan;
        this.source = source;
    }

    @Override
    public Iterator<String> apply(Iterator<T> partition) {
        BarrierTaskContext task = BarrierTaskContext.get();
        int worker = task.partitionId();
        // a new stage attempt restarts task attempt numbers at 0: combine both, so relaunches always count up
        int attempt = task.stageAttemptNumber() * 1000 + task.attemptNumber();
        ExecutorRuntime.configure(new NativeSettings(plan.threads(), plan.convolutional()));
        long workerSeed = Shuffling.workerSeed(plan.training().seed(), worker);
        if (plan.deterministic()) {
            Nd4j.getRandom().setSeed(workerSeed);
        }
        ShardPlan shards = plan.shards();
        ShardSource.Shard shard = source.load(scala.collection.JavaConverters.asJavaIterator(partition), worker, shards,
                plan.training().seed());
        ArrayDataSet train = shard.train();
        ArrayDataSet test = shard.test();
        AveronModel model = AveronModel.fromConfiguration(plan.kind(), plan.configJson());
        String localHost = hostOf(task.getTaskInfos()[worker].address());
        LOG.info("worker {} (attempt {}) on {}: {} training / {} test examples", worker, attempt, localHost,
                train.size(), test.size());
        task.barrier(); // every replica is built before anyone joins the round

        // the tasks of this job in this executor share one media driver
        try (SharedMediaDriver.Lease driver = SharedMediaDriver.acquire(DRIVER_OWNER_PREFIX + Long.toHexString(plan.runId()));
             RoundClient client = TaskRounds.connect(plan, task, worker, attempt, localHost, driver.directory());
             ReportPublisher reports = new ReportPublisher(client.aeron(), localHost, plan.driverHost(), plan.reportPort(),
                     plan.jobName(), plan.secret(), plan.runId(), worker, attempt, plan.mtuBytes(), TERM_LENGTH)) {
            client.cancelWhen(task::isInterrupted); // a killed stage must not leave this task waiting for a round
            new Loop(task, worker, attempt, workerSeed, model, train, test, client, reports).run();
            if (!reports.flush(plan.connectTimeoutMs())) {
                LOG.warn("worker {}: the last report may not have reached the driver before the deadline", worker);
            }
            if (plan.isSharded()) {
                task.barrier(); // every worker has received every range of the last round: the owners may stop
                HeldRounds.forget(plan.runId());
            }
        }
        return scala.collection.JavaConverters.asScalaIterator(List.of("worker " + worker + " done").iterator());
    }

    static final int TERM_LENGTH = io.averon.ps.transport.Ports.DEFAULT_TERM_LENGTH;
    private static final String DRIVER_OWNER_PREFIX = "run-";

    /** The epoch loop of one worker; its fields are the task's reused buffers. */
    private final class Loop {
        private final BarrierTaskContext task;
        private final int worker;
        private final int attempt;
        private final long seed;
        private final AveronModel model;
        private final ArrayDataSet train;
        private final ArrayDataSet test;
        private final int[] trainSample;
        private final RoundClient client;
        private final ReportPublisher reports;
        /** The push buffer: the replica's parameters and updater state, read before each round. */
        private final float[] vector = new float[plan.vectorLength()];
        /** With overlap: the vector pushed for {@link #pendingRound}, whose result is not applied yet. */
        private final float[] pushed = new float[plan.sync().overlap() ? plan.vectorLength() : 0];
        /** With compression: the change since the last average, pushed instead of the vector. */
        private final float[] delta = new float[plan.compression() == Encoding.FLOAT32 ? 0 : plan.vectorLength()];
        /** The overlapped round whose result is still to be applied; -1 if none. */
        private long pendingRound = -1;
        /** The last averaged model (the client's buffer, valid until the next round) and its length. */
        private float[] averaged;
        private int averagedCount;

        Loop(BarrierTaskContext task, int worker, int attempt, long seed, AveronModel model, ArrayDataSet train,
             ArrayDataSet test, RoundClient client, ReportPublisher reports) {
            this.task = task;
            this.worker = worker;
            this.attempt = attempt;
            this.seed = seed;
            this.model = model;
            this.train = train;
            this.test = test;
            int perWorker = (plan.training().trainEvalSample() + plan.shards().workers() - 1) / plan.shards().workers();
            this.trainSample = Shuffling.sample(train.size(), perWorker, seed);
            this.client = client;
            this.reports = reports;
        }

        void run() {
            ShardPlan shards = plan.shards();
            RoundClient.Joined joined = client.join(true);
            if (joined.global() != null) {
                averaged = joined.global().values();
                averagedCount = joined.global().count();
                ModelVectors.write(averaged, averagedCount, model);
            }
            long done = joined.round();
            ShardPlan.Position at = shards.position(done);
            int epochsDone = at.epochsDone();
            int roundsDone = at.roundsDone();
            if (done > 0) {
                model.setIterationCount(epochsDone * shards.batches(worker)
                        + (roundsDone == 0 ? 0 : shards.roundEnd(worker, epochsDone + 1, roundsDone)));
                LOG.info("worker {} (attempt {}) resumes after round {}: epoch {}, round {} of {}", worker, attempt,
                        done, epochsDone + 1, roundsDone + 1, shards.roundsPerEpoch(epochsDone + 1));
            }
            if (done > 0 && roundsDone == 0 && epochsDone <= plan.training().epochs() && joined.global() != null) {
                // the report of the epoch that just ended may have been lost with the failed attempt
                report(epochsDone, 0, 0, 0, 0, 0);
            }
            MinibatchFeeder feeder = new MinibatchFeeder(train, shards.batchSize(), plan.training().augmentation());
            int[] order = new int[train.size()];
            for (int epoch = epochsDone + 1; epoch <= plan.training().epochs(); epoch++) {
                model.setEpoch(epoch - 1);
                Shuffling.epochOrder(order, seed, epoch, plan.training().shuffle());
                int rounds = shards.roundsPerEpoch(epoch);
                long roundsBefore = shards.roundsBefore(epoch);
                int firstRound = epoch == epochsDone + 1 ? roundsDone + 1 : 1;
                int batch = firstRound == 1 ? 0 : shards.roundEnd(worker, epoch, firstRound - 1);
                double lossSum = 0;
                long examples = 0;
                long computeNs = 0;
                long syncNs = 0;
                for (int round = firstRound; round <= rounds; round++) {
                    long roundNumber = roundsBefore + round;
                    if (plan.deterministic()) {
                        // dropout draws depend only on (worker, round): a relaunched task repeats them
                        Nd4j.getRandom().setSeed(Shuffling.epochSeed(seed, (int) roundNumber));
                    }
                    // augmentation draws depend only on (worker, round) too: a relaunched task repeats them
                    feeder.reseed(Shuffling.epochSeed(~seed, (int) roundNumber));
                    long started = System.nanoTime();
                    long roundExamples = 0;
                    for (int end = shards.roundEnd(worker, epoch, round); batch < end; batch++) {
                        if (task.isInterrupted()) {
                            throw new TaskKilledException("training stage cancelled");
                        }
                        if (plan.failAt() != null) {
                            plan.failAt().check(worker, attempt, epoch, batch + 1);
                        }
                        int start = batch * shards.batchSize();
                        int count = Math.min(shards.batchSize(), train.size() - start);
                        MinibatchFeeder.Batch b = feeder.fill(order, start, count);
                        model.fit(b.features(), b.labels());
                        double loss = model.lastLoss();
                        if (!Double.isFinite(loss)) {
                            throw new AveronException("training diverged on worker " + worker + " at epoch " + epoch
                                    + ", minibatch " + (batch + 1) + ": loss is " + loss + "; lower the learning rate");
                        }
                        lossSum += loss * count;
                        roundExamples += count;
                    }
                    long trained = System.nanoTime();
                    computeNs += trained - started;
                    int count = ModelVectors.read(model, vector);
                    long waitMs = io.averon.ps.round.RoundSettings.workerWaitMs(plan.roundTimeoutMs(),
                            (trained - started) / 1_000_000, (long) count * Float.BYTES, plan.shards().workers(),
                            plan.heartbeatTimeoutMs());
                    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(waitMs);
                    if (pendingRound > 0) {
                        applyPending(deadline, count); // the previous round's average, plus the progress made since
                    }
                    SyncPolicy sync = plan.sync();
                    int pushCount = sync.averagesUpdaterState(round, rounds) ? count : (int) plan.parameterCount();
                    pushRound(roundNumber, pushCount, roundExamples, deadline);
                    if (sync.overlaps(round, rounds)) {
                        System.arraycopy(vector, 0, pushed, 0, count);
                        pendingRound = roundNumber; // train on; the result is applied at the next boundary
                    } else {
                        RoundClient.Averaged result = client.awaitAveraged(roundNumber, deadline);
                        averaged = result.values();
                        averagedCount = result.count();
                        ModelVectors.write(averaged, averagedCount, model);
                        if (plan.isSharded()) {
                            HeldRounds.keep(plan.runId(), roundNumber, averaged, averagedCount);
                        }
                    }
                    syncNs += System.nanoTime() - trained;
                    examples += roundExamples;
                }
                report(epoch, lossSum, examples, computeNs / 1e9, syncNs / 1e9, rounds - firstRound + 1);
            }
        }

        /**
         * Pushes this round's values: the vector itself, or with compression its change since the
         * last average (which the averaging side adds back), compressed with error feedback.
         */
        private void pushRound(long roundNumber, int count, long samples, long deadline) {
            if (delta.length == 0 || averaged == null) { // uncompressed, or nothing to be a change from yet
                client.push(roundNumber, vector, count, samples, false, deadline);
                return;
            }
            for (int i = 0; i < count; i++) {
                delta[i] = vector[i] - averaged[i];
            }
            client.push(roundNumber, delta, count, samples, true, deadline);
        }

        /**
         * Applies the overlapped round {@code pendingRound}'s average: the model becomes that average
         * plus what this worker trained since it pushed ({@code vector - pushed}), for the values the
         * round averaged; the rest (updater state the round did not carry) stays local.
         */
        private void applyPending(long deadline, int count) {
            RoundClient.Averaged result = client.awaitAveraged(pendingRound, deadline);
            float[] average = result.values();
            int n = Math.min(result.count(), count);
            for (int i = 0; i < n; i++) {
                vector[i] = average[i] + (vector[i] - pushed[i]);
            }
            ModelVectors.write(vector, count, model);
            averaged = average; // the base of the next compressed change
            averagedCount = result.count();
            if (plan.isSharded()) {
                HeldRounds.keep(plan.runId(), pendingRound, average, result.count());
            }
            pendingRound = -1;
        }

        /** Evaluates the averaged model on this worker's parts and sends the partial figures (worker 0: the model too). */
        private void report(int epoch, double lossSum, long examples, double computeSeconds, double syncSeconds,
                            int rounds) {
            Map<String, Object> testState = Evaluator.evaluate(model, test).state();
            Map<String, Object> trainState = trainSample.length == 0 ? null
                    : Evaluator.evaluate(model, train, trainSample, Evaluator.DEFAULT_BATCH_SIZE).state();
            WorkerEpochReport figures = new WorkerEpochReport(epoch, worker, attempt, lossSum, examples,
                    computeSeconds, syncSeconds, rounds, testState, trainState);
            if (worker == 0) {
                reports.sendVector(epoch, averaged, averagedCount, plan.connectTimeoutMs());
            }
            reports.sendJson(epoch, figures.toJson(), plan.connectTimeoutMs());
        }
    }

    private static String hostOf(String address) {
        int colon = address.lastIndexOf(':');
        return colon > 0 ? address.substring(0, colon) : address;
    }
}
