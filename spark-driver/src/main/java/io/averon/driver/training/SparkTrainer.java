package io.averon.driver.training;

import io.averon.driver.data.SparkData;
import io.averon.core.AveronException;
import io.averon.core.InvalidInputException;
import io.averon.core.data.DataSpec;
import io.averon.core.data.TrainTestData;
import io.averon.core.model.AveronModel;
import io.averon.core.train.EarlyStopping;
import io.averon.core.train.EpochRecord;
import io.averon.core.train.TrainingListener;
import io.averon.core.train.TrainingResult;
import io.averon.ps.ParameterServer;
import io.averon.ps.ServerContext;
import io.averon.ps.report.Report;
import io.averon.ps.report.ReportReceiver;
import io.averon.ps.round.RoundSettings;
import io.averon.ps.transport.Ports;
import io.averon.ps.transport.Timeouts;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

/**
 * Distributed training on Spark: validates the run, starts the parameter server (in the driver,
 * unless an external one is configured) and the report receiver, and runs one barrier stage in
 * which each task trains a replica on its shard ({@link TrainingTask}). As epochs complete, the
 * listener gets each epoch's merged metrics and the averaged model (for checkpoints).
 *
 * <pre>{@code
 * SparkTrainer trainer = new SparkTrainer(sc, SparkTrainingConfig.builder(training).workers(2).build());
 * TrainTestData data = DataSources.loadForTraining(dataSpec, training.seed());
 * SparkTrainer.Result result = trainer.fit(dataSpec, data, model, null, null, new SparkTrainer.EpochListener() { });
 * }</pre>
 */
final class SparkTrainer {

    private static final Logger LOG = LoggerFactory.getLogger(SparkTrainer.class);
    /** How long the driver waits, after the training stage ended, for the workers' last reports (beyond the connect timeout). */
    private static final long REPORT_DRAIN_MS = 30_000;

    /** The trained model (the last epoch's average) and the run's figures. */
    public record Result(AveronModel model, TrainingResult training, int workers) {
    }

    /** Where a resumed run starts: epochs already done and the averaged vector after them. */
    public record Resume(int epochsDone, float[] vector) {
    }

    /** Hears the run's events ({@link TrainingListener}) and the cadence the worker count chose. */
    public interface EpochListener extends TrainingListener {
        /**
         * Called on the driver thread once the worker count is known, after the run's checks and
         * before training starts ({@link SparkTrainingConfig#settings(int)} describes the run).
         */
        default void onPlan(int workers) {
        }
    }

    private final JavaSparkContext sc;
    private final SparkTrainingConfig config;

    public SparkTrainer(JavaSparkContext sc, SparkTrainingConfig config) {
        this.sc = sc;
        this.config = config;
    }

    /** Task slots the cluster offers right now (executors x cores / spark.task.cpus). */
    public static int taskSlots(JavaSparkContext sc) {
        return sc.sc().maxNumConcurrentTasks(sc.sc().resourceProfileManager().defaultResourceProfile());
    }

    /**
     * Trains {@code model} (built and checked against {@code data} by the caller) on the data of
     * {@code spec}, which every executor reads itself.
     *
     * @param data     the driver's view of the data: sizes, classes and shape for planning and checks
     * @param resume   where to continue, or null to start from {@code model}'s initial parameters
     * @param identity job name and secret; null = a random secret (embedded parameter server only)
     */
    public Result fit(DataSpec spec, TrainTestData data, AveronModel model, Resume resume, JobIdentity identity,
                      EpochListener listener) {
        config.training().augmentation().checkApplies(data.train().exampleShape(), data.train().name());
        if (data.split().kind() == io.averon.core.data.SplitSpec.Kind.RANDOM
                && data.split().seed() != config.training().seed()) {
            // every executor splits the files again with the training seed: another seed, other rows
            throw new InvalidInputException("the data was split with seed " + data.split().seed() + ", but training "
                    + "uses seed " + config.training().seed() + ": the executors would train and validate on other rows; "
                    + "load it with DataSources.loadForTraining(spec, " + config.training().seed() + ")");
        }
        ShardPlan shards = plan(data.train().size(), data.test().size());
        JavaRDD<Integer> input = sc.parallelize(IntStream.range(0, shards.workers()).boxed().toList(), shards.workers());
        return train(new FileShards(spec), input, shards, data.train().classNames(), model, resume, identity, listener);
    }

    /**
     * Trains {@code model} on data already in Spark: validates it in one job (every problem named
     * before training starts), routes each example to its worker, trains, and uncaches the shards.
     */
    public Result fit(SparkData data, AveronModel model, Resume resume, JobIdentity identity, EpochListener listener) {
        return fit(data, RecordSharding.validate(sc, data), model, resume, identity, listener);
    }

    /** As {@link #fit(SparkData, AveronModel, Resume, JobIdentity, EpochListener)}, for data already validated. */
    Result fit(SparkData data, RecordSharding.Summary summary, AveronModel model, Resume resume, JobIdentity identity,
               EpochListener listener) {
        RecordSharding.checkFits(data, summary, model, "being trained");
        List<String> classes = data.classNames();
        config.training().augmentation().checkApplies(summary.shape(), "the input");
        ShardPlan shards = plan(summary.trainSize(), summary.testSize());
        JavaRDD<IndexedExample> input = RecordSharding.shard(data, summary, shards);
        try {
            return train(new RecordShards(classes, summary.shape(), "the input"), input, shards, classes, model, resume,
                    identity, listener);
        } finally {
            input.unpersist(false);
        }
    }

    /** How the examples split among workers; fails if the cluster cannot run them all at once. */
    private ShardPlan plan(int trainSize, int testSize) {
        int slots = taskSlots(sc);
        int free = freeSlots(slots);
        int wanted = config.workers() > 0 ? config.workers() : Math.max(1, slots);
        // Spark's status tracker learns of finished tasks through its asynchronous listener bus, so
        // right after a job the slots may still read as busy: give them a few seconds to settle. On
        // a cluster, executors register after the application starts: wait for them as Spark's
        // scheduler would (spark.scheduler.maxRegisteredResourcesWaitingTime)
        long settleNanos = sc.sc().isLocal() ? SLOT_SETTLE_NANOS : TimeUnit.MILLISECONDS.toNanos(
                sc.getConf().getTimeAsMs(EXECUTOR_WAIT_KEY, "30s"));
        long settleUntil = System.nanoTime() + settleNanos;
        while (free < Math.min(wanted, trainSize) && System.nanoTime() < settleUntil) {
            try {
                Thread.sleep(sc.sc().isLocal() ? 50 : 250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            slots = taskSlots(sc);
            free = freeSlots(slots);
        }
        int workers = config.workers() > 0 ? config.workers() : Math.min(Math.max(1, free), trainSize);
        // --batch-size is the global minibatch (as in Keras' distribution strategies): each worker
        // takes its share, so N workers syncing every minibatch take the local engine's steps
        int perWorker = (config.training().batchSize() + workers - 1) / workers;
        AveragingCadence cadence = config.cadenceFor(workers);
        ShardPlan shards = new ShardPlan(trainSize, testSize, workers, perWorker, cadence.syncEvery(),
                cadence.warmupEpochs());
        if (free < workers) {
            throw new InvalidInputException("training needs " + workers + " task slots at once (one barrier task per "
                    + "worker), but the cluster has " + free + " free of " + slots + "; use --workers " + free
                    + " or fewer, wait for other jobs, or add executors / cores (spark.executor.instances, "
                    + "spark.executor.cores" + (sc.sc().isLocal() ? "" : "; executors that start slowly: " + EXECUTOR_WAIT_KEY)
                    + ")");
        }
        return shards;
    }

    /** Longest wait of the preflight check of the parameter server from every executor. */
    static final long PREFLIGHT_TIMEOUT_MS = 10_000;

    /**
     * Checks from every task slot training will use (a barrier job, so one task per slot) that the
     * parameter server answers, before any training starts; fails naming the server, the executor
     * and the direction that did not work.
     */
    private void preflight(TaskPlan plan, int workers) {
        String server = plan.serverHost();
        int port = plan.serverPort();
        long timeoutMs = Math.min(PREFLIGHT_TIMEOUT_MS, plan.connectTimeoutMs());
        sc.setJobGroup(plan.jobName() + "-preflight", "averon preflight: can " + workers + " executors reach the "
                + "parameter server " + server + ":" + port + "?", true);
        List<String> problems;
        try {
            JavaRDD<Integer> slots = sc.parallelize(IntStream.range(0, workers).boxed().toList(), workers);
            problems = barrier(slots, new ServerPreflight(server, port, plan.jobName(), plan.secret(), timeoutMs)).collect();
        } finally {
            sc.clearJobGroup();
        }
        for (String problem : problems) {
            if (!problem.isEmpty()) {
                throw new AveronException(problem + "; check that it runs and that UDP ports " + port + "-" + (port + 1)
                        + " are open between the executors and it (preflight, before training)");
            }
        }
    }

    /** {@code task} on every partition of {@code input} in one barrier stage (all tasks at once, or none). */
    private static <T> JavaRDD<String> barrier(JavaRDD<T> input,
                                               scala.Function1<scala.collection.Iterator<T>, scala.collection.Iterator<String>> task) {
        ClassTag<String> strings = ClassTag$.MODULE$.apply(String.class);
        return JavaRDD.fromRDD(input.rdd().barrier().mapPartitions(task, false, strings), strings);
    }

    /** Spark's setting for how long to wait for executors to register before scheduling. */
    static final String EXECUTOR_WAIT_KEY = "spark.scheduler.maxRegisteredResourcesWaitingTime";

    /** How long {@link #plan} waits for task slots that read busy only because Spark has not yet heard they ended. */
    private static final long SLOT_SETTLE_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(5);

    private int freeSlots(int slots) {
        int busy = 0;
        for (org.apache.spark.SparkExecutorInfo executor : sc.sc().statusTracker().getExecutorInfos()) {
            busy += executor.numRunningTasks();
        }
        return Math.max(0, slots - busy);
    }

    private <T> Result train(ShardSource<T> source, JavaRDD<T> input, ShardPlan shards, List<String> classNames,
                             AveronModel model, Resume resume, JobIdentity identity, EpochListener listener) {
        int workers = shards.workers();
        if (resume != null && (resume.epochsDone() < 0 || resume.epochsDone() >= config.training().epochs())) {
            throw new InvalidInputException("cannot resume after epoch " + resume.epochsDone() + " of a "
                    + config.training().epochs() + "-epoch run; raise --epochs");
        }
        if (config.parameterServer() != null && identity == null) {
            throw new InvalidInputException("an external parameter server (--ps) needs the job's --secret-file and --job");
        }
        SecretTransport.warnIfExposed(sc.getConf());
        JobIdentity job = identity != null ? identity : new JobIdentity("averon-" + Long.toHexString(new SecureRandom()
                .nextLong()), randomSecret());
        long updaterState = model.updaterState() == null ? 0 : model.updaterState().length();
        byte[] configHash = sha256(model.configurationJson().getBytes(StandardCharsets.UTF_8));
        DriverAddress address = DriverAddress.of(sc.getConf(), config.driverHost());
        String driverHost = address.advertised();
        int threads = config.deterministic() ? 1 : config.threadsPerTask() > 0 ? config.threadsPerTask()
                : sc.getConf().getInt("spark.task.cpus", 1);
        AveragingCadence cadence = config.cadenceFor(workers);
        LOG.info("training on Spark from {}: {} workers, minibatch {} per worker, {} rounds per epoch{}, {}",
                source.describe(), workers, shards.batchSize(), shards.roundsPerEpoch(shards.warmupEpochs() + 1),
                shards.warmupEpochs() == 0 ? "" : " (" + shards.roundsPerEpoch(1) + " in each of the first "
                        + shards.warmupEpochs() + ")", config);
        LOG.info("timeouts: connect {} (a task's join, its reports), preflight {}, the workers' last reports {} after"
                        + " the stage; rounds: {}", Timeouts.seconds(config.connectTimeoutMs()),
                Timeouts.seconds(Math.min(PREFLIGHT_TIMEOUT_MS, config.connectTimeoutMs())),
                Timeouts.seconds(REPORT_DRAIN_MS), Timeouts.describe(roundSettings(workers, cadence)));
        if (config.usesManyWorkersDefault(workers)) {
            LOG.info("{} workers and no averaging cadence given: using the many-workers recipe {} (README, \"Many "
                    + "workers: the default recipe\"; --sync-every 0 averages once per epoch instead)", workers,
                    cadence.asOptions());
        }
        if (cadence.warmupEpochs() > 0 && !cadence.plainAveraging()) {
            LOG.warn("--sync-warmup-epochs with --outer-momentum / --outer-lr: the outer optimizer applies to the "
                    + "warm-up's per-minibatch rounds too, which measured worse than either alone (docs/benchmarks.md, "
                    + "\"Accuracy at many workers\")");
        }

        boolean sharded = config.averaging() == AveragingMode.SHARDED;
        if (sharded && model.numParams() < workers) {
            throw new InvalidInputException("--averaging sharded gives each worker a range of the parameters: "
                    + model.numParams() + " parameters cannot be shared among " + workers + " workers");
        }
        if (config.compression().encoding() != io.averon.ps.protocol.Encoding.FLOAT32 && updaterState > 0
                && config.sync().updaterSyncEvery() == 1) {
            throw new InvalidInputException("--compress compresses rounds that carry the parameters alone, but with "
                    + "--updater-sync-every 1 every round also carries the optimiser's state (" + updaterState
                    + " values): add --updater-sync-every 0 (or R > 1), or drop --compress");
        }
        listener.onPlan(workers);
        long runId = io.averon.ps.protocol.Nonces.next(); // never 0: a server's "no run yet"
        // sharded: every worker starts from this vector (the initial model, or the checkpoint resumed)
        org.apache.spark.broadcast.Broadcast<float[]> start = sharded
                ? sc.broadcast(resume != null ? resume.vector() : ModelVectors.of(model)) : null;
        try (ParameterServer server = config.parameterServer() == null && !sharded
                ? startServer(job, address.bind(), model.numParams(), updaterState, configHash, workers, resume, shards,
                cadence,
                ModelVectors.of(model))
                : null;
             ReportReceiver reports = new ReportReceiver(address.bind(), config.reportPort() > 0 ? config.reportPort()
                     : Ports.freeUdpPortPair(), job.name(), job.secret(), runId, workers,
                     (int) (model.numParams() + updaterState), config.mtuBytes())) {
            String serverHost = server != null ? driverHost : config.serverHost();
            int serverPort = server != null ? server.context().port() : config.externalServerPort();
            TaskPlan plan = new TaskPlan(job.name(), job.secret(), runId, resume != null, serverHost, serverPort, driverHost, reports.port(),
                    config.training(), shards, model.kind(), model.configurationJson(), model.numParams(),
                    updaterState, configHash, io.averon.core.model.ModelSpec.hasConvolutionLayers(model.configurationJson()),
                    threads, config.deterministic(), config.roundTimeoutMs(), config.heartbeatTimeoutMs(),
                    config.connectTimeoutMs(), config.mtuBytes(),
                    FailureHook.from(sc.getConf()), config.sync(), config.compression().encoding(),
                    sharded ? new ShardedPlan(start, resume == null ? 0 : shards.roundsBefore(resume.epochsDone() + 1),
                            cadence.outerLearningRate(), cadence.outerMomentum(), config.maxUpdateNorm()) : null,
                    config.hierarchical());
            // only the driver's own server can be asked how late each worker's contributions were
            RoundLagMeter roundLag = server != null ? RoundLagMeter.of(server::roundLagMsThrough, shards)
                    : RoundLagMeter.none();
            return run(plan, source, input, classNames, model, resume, reports, roundLag, listener);
        } finally {
            if (start != null) {
                start.destroy();
            }
        }
    }

    private <T> Result run(TaskPlan plan, ShardSource<T> source, JavaRDD<T> input, List<String> classNames,
                           AveronModel model, Resume resume, ReportReceiver reports, RoundLagMeter roundLag,
                           EpochListener listener) {
        ShardPlan shards = plan.shards();
        int epochs = config.training().epochs();
        int done = resume == null ? 0 : resume.epochsDone();
        int patience = config.training().earlyStoppingPatience();
        EarlyStopping early = patience > 0 ? new EarlyStopping(patience) : null;
        TrainingListener all = early == null ? listener : TrainingListener.all(List.of(listener, early));
        all.onTrainingStart(epochs, shards.maxBatches(), shards.trainSize());
        EpochAggregator aggregator = new EpochAggregator(shards.workers(), classNames, done, roundLag);
        List<EpochRecord> records = new ArrayList<>();

        if (!sc.sc().isLocal() && !plan.isSharded()) { // sharded: no server; the workers reach each other
            preflight(plan, shards.workers());
        }
        String group = plan.jobName();
        // one barrier job runs every epoch (the tasks keep their replicas between epochs), so the
        // Spark UI shows the whole run as one job; the epochs appear in the driver's log and progress line
        sc.setJobGroup(group, "averon train: epochs " + (done + 1) + "-" + epochs + " on " + shards.workers()
                + " workers (" + source.describe() + ")", true);
        // Spark would relaunch the stage after a task fails; a parameter server that cannot be
        // reached, or an MTU its frames do not fit, will not mend by itself: the first such failure stops training
        HopelessTaskWatch hopeless = new HopelessTaskWatch();
        sc.sc().addSparkListener(hopeless);
        JavaFutureAction<List<String>> stage;
        try {
            JavaRDD<String> trained = barrier(input, new TrainingTask<>(plan, source));
            // the shuffle makes the barrier stage a map stage, which Spark relaunches when a task fails
            stage = trained.repartition(1).collectAsync();
        } finally {
            sc.clearJobGroup();
        }
        try {
            long drainUntil = Long.MAX_VALUE;
            boolean stopped = false;
            while (!stopped && aggregator.lastCompleted() < epochs && System.nanoTime() < drainUntil) {
                HopelessTaskWatch.Failure failure = hopeless.failure();
                if (failure != null && failure.cause() == HopelessTaskWatch.Cause.MTU_MISMATCH) {
                    throw new AveronException(failure.description() + " (" + failure.where() + "); training stopped");
                }
                if (failure != null && plan.isSharded()) {
                    throw new AveronException("a worker could not reach another worker's shard of the averaging from "
                            + failure.where() + " (" + failure.description() + "); training stopped (check that the "
                            + "executors reach each other over UDP; continue with --resume)");
                }
                if (failure != null) {
                    throw new AveronException("the parameter server " + plan.serverHost() + ":" + plan.serverPort()
                            + " is unreachable from " + failure.where() + " (" + failure.description() + "); training "
                            + "stopped (check that it runs and that UDP ports " + plan.serverPort() + "-"
                            + (plan.serverPort() + 1) + " are open from the executors; continue with --resume)");
                }
                Report report = reports.poll(200);
                if (report != null) {
                    for (EpochAggregator.Completed completed : aggregator.accept(report)) {
                        ModelVectors.write(completed.vector(), completed.vector().length, model);
                        // DL4J's counts as a replica's fit leaves them: checkpoints and model.zip keep them
                        model.setEpoch(completed.record().epoch());
                        model.setIterationCount(completed.record().epoch() * shards.maxBatches());
                        records.add(completed.record());
                        all.onEpochEnd(completed.record());
                        all.onEpochModel(completed.record(), model);
                        if (all.stopRequested()) {
                            LOG.info("early stopping after epoch {}: no better test metric in the last {} epochs",
                                    completed.record().epoch(), patience);
                            stopped = true; // the finally block cancels the stage
                            break;
                        }
                    }
                } else if (stage.isDone() && drainUntil == Long.MAX_VALUE) {
                    if (outcome(stage, 0) != null) {
                        break;
                    }
                    drainUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(REPORT_DRAIN_MS);
                }
            }
            // every epoch is in, or the stage ended: its tasks only have their last reports to flush
            Throwable failed = stopped ? null : outcome(stage, config.connectTimeoutMs() + REPORT_DRAIN_MS);
            if (failed != null) {
                throw new AveronException("training failed: " + describe(failed), failed);
            }
            if (!stopped && aggregator.lastCompleted() < epochs) {
                throw new AveronException("training finished but the driver received the reports of only "
                        + aggregator.lastCompleted() + " of " + epochs + " epochs (refused: " + reports.refusedCounts()
                        + "); can executors reach the driver's UDP port " + plan.reportPort() + "?");
            }
        } finally {
            if (!stage.isDone()) {
                sc.cancelJobGroup(group);
            }
            sc.sc().removeSparkListener(hopeless);
        }
        EpochRecord last = records.get(records.size() - 1);
        TrainingResult result = early != null ? early.finish(model, records, epochs)
                : new TrainingResult(records, last.test(), last.epoch(), false);
        all.onTrainingEnd(result);
        return new Result(model, result, shards.workers());
    }

    /** The rounds of the driver's parameter server: every worker in every round (a lost task is relaunched). */
    private RoundSettings roundSettings(int workers, AveragingCadence cadence) {
        return RoundSettings.builder().expectedWorkers(workers).quorum(workers).roundTimeoutMs(config.roundTimeoutMs())
                .heartbeatTimeoutMs(config.heartbeatTimeoutMs()).outerOptimizer(cadence.outerOptimizer())
                .maxUpdateNorm(config.maxUpdateNorm()).build();
    }

    private ParameterServer startServer(JobIdentity job, String host, long parameters, long updaterState,
                                        byte[] configHash, int workers, Resume resume, ShardPlan shards,
                                        AveragingCadence cadence, float[] initial) {
        // the server lives as long as this driver, and a resumed run starts from its checkpoint, so
        // its rounds are kept in memory only (no state directory written on every round): they start
        // where the checkpoint left off (rounds count from the start of training), or at round 0,
        // whose global is the initial model (every replica starts from it, and an outer optimizer's
        // first step is taken from it)
        ServerContext context = ServerContext.builder()
                .bind(host, config.serverPort() > 0 ? config.serverPort() : Ports.freeUdpPortPair())
                .job(job.name(), job.secret())
                .model(parameters, updaterState, configHash)
                .rounds(roundSettings(workers, cadence))
                .initialState(resume != null ? shards.roundsBefore(resume.epochsDone() + 1) : 0,
                        resume != null ? resume.vector() : initial)
                .mtu(config.mtuBytes(), Ports.DEFAULT_TERM_LENGTH)
                .build();
        return ParameterServer.start(context);
    }

    /** Why the stage failed, waiting at most {@code timeoutMs} for it to end; null if it succeeded. */
    private static Throwable outcome(JavaFutureAction<?> stage, long timeoutMs) {
        try {
            stage.get(timeoutMs, TimeUnit.MILLISECONDS);
            return null;
        } catch (ExecutionException e) {
            return e.getCause() != null ? e.getCause() : e;
        } catch (java.util.concurrent.TimeoutException e) {
            return new AveronException("the training stage did not end within " + timeoutMs
                    + " ms after the last epoch's reports", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return e;
        }
    }

    /** Spark's job-failure message, cut to the part that names the task and its first error line. */
    static String describe(Throwable failure) {
        String message = String.valueOf(failure.getMessage());
        List<String> lines = message.lines().toList();
        StringBuilder out = new StringBuilder();
        for (String line : lines) {
            if (line.startsWith("\tat ") || line.isBlank()) {
                break;
            }
            if (out.length() > 0) {
                out.append(' ');
            }
            out.append(line.strip());
        }
        return out.toString();
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    private static byte[] randomSecret() {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        return secret;
    }
}
