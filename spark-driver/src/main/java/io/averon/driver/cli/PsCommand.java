package io.averon.driver.cli;

import io.averon.core.InvalidInputException;
import io.averon.ps.ParameterServer;
import io.averon.ps.ServerContext;
import io.averon.ps.round.OuterOptimizer;
import io.averon.ps.round.RoundSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code averon ps}: the parameter server as its own process. The first worker's JOIN registers
 * the model; it runs until SIGTERM/SIGINT.
 */
@Command(name = "ps", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Run the parameter server as its own process (until SIGTERM/SIGINT).")
final class PsCommand implements Callable<Integer>, CommandLog.Service {

    @Spec
    CommandSpec command;

    @Option(names = "--bind", required = true, paramLabel = "HOST:PORT",
            description = "Interface and UDP port to bind (workers' Aeron streams); PORT+1 is used too (workers' HELLOs)")
    String bind;

    @Option(names = "--workers", required = true, paramLabel = "N", description = "Workers each round waits for")
    int workers;

    @Option(names = "--secret-file", required = true, paramLabel = "FILE",
            description = "The job secret (>= 32 bytes); never given on the command line")
    Path secretFile;

    @Option(names = "--allow-shared-secret-file",
            description = "Accept a --secret-file readable by group or others (default: refused; chmod 600 it)")
    boolean allowSharedSecretFile;

    @Option(names = "--state-dir", paramLabel = "DIR",
            description = "Persist the averaged parameters after every round; a restart resumes from here")
    Path stateDir;

    @Option(names = "--job", defaultValue = "averon", description = "Job name workers use. Default: ${DEFAULT-VALUE}")
    String job;

    @Option(names = "--round-timeout-ms", defaultValue = "" + io.averon.ps.round.RoundSettings.DEFAULT_ROUND_TIMEOUT_MS, description = "Default: ${DEFAULT-VALUE}")
    long roundTimeoutMs;

    @Option(names = "--heartbeat-timeout-ms", defaultValue = "" + io.averon.ps.round.RoundSettings.DEFAULT_HEARTBEAT_TIMEOUT_MS, description = "Default: ${DEFAULT-VALUE}")
    long heartbeatTimeoutMs;

    @Option(names = "--quorum", description = "Contributions a timed-out round needs (default: a majority)")
    Integer quorum;

    @Option(names = "--outer-momentum", defaultValue = "0",
            description = "Nesterov outer momentum on the averaged delta (0 = plain averaging). Default: ${DEFAULT-VALUE}")
    double outerMomentum;

    @Option(names = "--outer-lr", defaultValue = "1.0", description = "Outer learning rate on the averaged delta. Default: ${DEFAULT-VALUE}")
    double outerLearningRate;

    @Option(names = "--max-update-norm", defaultValue = "0", paramLabel = "NORM",
            description = "Refuse a contribution whose parameters moved further than NORM (L2) from the last average "
                    + "(0 = no bound; values beyond 1e20 are always refused). Default: ${DEFAULT-VALUE}")
    double maxUpdateNorm;

    @Option(names = "--mtu", defaultValue = "" + io.averon.ps.transport.Ports.DEFAULT_MTU_BYTES, paramLabel = "BYTES",
            description = "MTU of the server's channels; every message is one frame of it (a multiple of 32, 544 or more;"
                    + " where the network drops IP fragments, the path MTU less 28, rounded down: 1472 on 1500-byte"
                    + " links); workers must use the same (train --mtu). Default: ${DEFAULT-VALUE}")
    int mtu;

    @Option(names = "--max-parameters", defaultValue = "250000000",
            description = "Largest model (floats) a first JOIN may register. Default: ${DEFAULT-VALUE}")
    long maxParameters;

    @Override
    public Integer call() throws InterruptedException {
        ServerContext context = context();
        CountDownLatch stopped = new CountDownLatch(1);
        ParameterServer server = ParameterServer.start(context);
        java.io.PrintWriter out = command.commandLine().getOut();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            // printed, not logged: the logging system may already be shut down by its own hook
            out.println("parameter server stopped: " + server.counters());
            out.flush();
            stopped.countDown();
        }, "averon-ps-shutdown"));
        command.commandLine().getOut().printf("parameter server listening on %s:%d (HELLOs on port %d), "
                + "job %s, %d workers%n", context.bindHost(), context.port(), context.port() + 1, job, workers);
        command.commandLine().getOut().flush();
        stopped.await();
        return AveronCli.EXIT_OK;
    }

    /** Everything validated before any socket opens. */
    ServerContext context() {
        int colon = bind.lastIndexOf(':');
        int port;
        try {
            port = Integer.parseInt(bind.substring(colon + 1));
        } catch (RuntimeException e) {
            throw new InvalidInputException("--bind must be HOST:PORT, got '" + bind + "'");
        }
        if (colon <= 0 || port < 1 || port > 65534) {
            throw new InvalidInputException("--bind must be HOST:PORT with PORT 1..65534 (PORT+1 is used too), got '"
                    + bind + "'");
        }
        if (workers < 1) {
            throw new InvalidInputException("--workers must be >= 1, got " + workers);
        }
        if (roundTimeoutMs < 1 || heartbeatTimeoutMs < 1) {
            throw new InvalidInputException("--round-timeout-ms and --heartbeat-timeout-ms must be > 0 (no wait is "
                    + "unbounded), got " + roundTimeoutMs + " and " + heartbeatTimeoutMs);
        }
        if (quorum != null && (quorum < 1 || quorum > workers)) {
            throw new InvalidInputException("--quorum must be 1.." + workers + ", got " + quorum);
        }
        try {
            OuterOptimizer outer = OuterOptimizer.of(outerLearningRate, outerMomentum);
            RoundSettings.Builder rounds = RoundSettings.builder().expectedWorkers(workers).roundTimeoutMs(roundTimeoutMs)
                    .heartbeatTimeoutMs(heartbeatTimeoutMs).outerOptimizer(outer).maxUpdateNorm(maxUpdateNorm);
            if (quorum != null) {
                rounds.quorum(quorum);
            }
            return ServerContext.builder().bind(bind.substring(0, colon), port).job(job, readSecret(secretFile, allowSharedSecretFile))
                    .rounds(rounds.build()).stateDirectory(stateDir).registerOnFirstJoin(maxParameters)
                    .mtu(mtu, io.averon.ps.transport.Ports.DEFAULT_TERM_LENGTH).build();
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(e.getMessage());
        }
    }

    /**
     * The secret file's bytes, without a trailing newline; at least 32 bytes. A file readable by
     * group or others is refused unless {@code allowShared} (then a warning says so).
     */
    static byte[] readSecret(Path file, boolean allowShared) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new InvalidInputException(file + ": no such file (--secret-file)");
        } catch (IOException e) {
            throw new InvalidInputException(file + ": cannot read (" + e.getMessage() + ")");
        }
        if (readableByOthers(file)) {
            if (!allowShared) {
                throw new InvalidInputException(file + ": the job secret is readable by group or others; chmod 600 "
                        + file + " (or pass --allow-shared-secret-file)");
            }
            org.slf4j.LoggerFactory.getLogger(PsCommand.class).warn("{} is readable by group or others "
                    + "(--allow-shared-secret-file): whoever can read it can forge parameter-server messages", file);
        }
        int length = bytes.length;
        while (length > 0 && (bytes[length - 1] == '\n' || bytes[length - 1] == '\r')) {
            length--;
        }
        if (length < 32) {
            throw new InvalidInputException(file + ": the job secret must be at least 32 bytes, it has " + length);
        }
        return Arrays.copyOf(bytes, length);
    }

    private static boolean readableByOthers(Path file) {
        try {
            return Files.getPosixFilePermissions(file).stream().anyMatch(p -> p == PosixFilePermission.OTHERS_READ
                    || p == PosixFilePermission.GROUP_READ);
        } catch (IOException | UnsupportedOperationException e) {
            return false; // permissions unknown (not a POSIX file system): nothing to check
        }
    }
}
