package io.averon.driver.cli;

import io.averon.core.InvalidInputException;
import io.averon.core.Versions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/** {@code averon}: the entry point of {@code bin/averon}. */
@Command(name = "averon", mixinStandardHelpOptions = true, versionProvider = AveronCli.Version.class,
        description = "Train deep-learning models on Spark with an Aeron parameter server.",
        subcommands = {TrainCommand.class, LrFindCommand.class, EvaluateCommand.class, ImportCommand.class, ScoreCommand.class,
                PsCommand.class, SigningCommands.Keygen.class, SigningCommands.Sign.class, SigningCommands.Verify.class,
                CommandLine.HelpCommand.class})
public final class AveronCli {

    /** Success. */
    public static final int EXIT_OK = 0;
    /** Internal failure (a bug, or the machine ran out of something). */
    public static final int EXIT_INTERNAL = 1;
    /** Bad input or usage: the message says what to fix. */
    public static final int EXIT_BAD_INPUT = 2;

    private static final Logger LOG = LoggerFactory.getLogger(AveronCli.class);

    @CommandLine.Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
            description = "Log to stderr too (the log always goes to a file: --out/averon.log for a run, else named on failure)")
    boolean verbose;

    /** Spark configuration keys that give a command-line option's value: {@code spark.averon.epochs} for {@code --epochs}. */
    public static final String CONF_PREFIX = "spark.averon.";

    public static void main(String[] args) {
        int code = run(args);
        if ("cluster".equals(System.getProperty("spark.submit.deployMode"))) {
            // the driver runs inside YARN's application master (or a Kubernetes driver pod): exiting
            // the JVM there hides the outcome from Spark; a failure is an exception Spark reports
            if (code != EXIT_OK) {
                throw new IllegalStateException("averon " + String.join(" ", args.length > 0 ? args[0] : "")
                        + " failed with exit code " + code + " (the reason is in the driver log above)");
            }
            return;
        }
        System.exit(code);
    }

    /** Runs the command line and returns the exit code (no {@code System.exit}: usable from tests). */
    public static int run(String... args) {
        return run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    }

    /** Runs the command line with the given output streams and returns the exit code. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cli = commandLine();
        cli.setDefaultValueProvider(AveronCli::sparkConfDefault);
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionStrategy(AveronCli::executeWithLog);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> handle(e, commandLine.getErr()));
        cli.setParameterExceptionHandler((e, args2) -> {
            PrintWriter usageErr = e.getCommandLine().getErr();
            usageErr.println("averon: " + oneLine(e.getMessage()) + " (see 'averon " + e.getCommandLine().getCommandName()
                    + " --help')");
            usageErr.flush();
            return EXIT_BAD_INPUT;
        });
        return cli.execute(args);
    }

    /** The command line: every command, its options' defaults and help from the settings they set ({@link SettingOptions}). */
    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new AveronCli());
        EnumConverter.registerAll(cli);
        SettingOptions.bindAll(cli);
        return cli;
    }

    /** Runs the parsed command with its log ({@link CommandLog}) open; keeps the log if the command fails (not on bad input). */
    private static int executeWithLog(CommandLine.ParseResult parsed) {
        CommandLine.ParseResult leaf = parsed;
        while (leaf.hasSubcommand()) {
            leaf = leaf.subcommand();
        }
        if (leaf == parsed || parsed.isUsageHelpRequested() || leaf.isUsageHelpRequested() || leaf.isVersionHelpRequested()) {
            return new CommandLine.RunLast().execute(parsed);
        }
        boolean console = leaf.hasMatchedOption("--verbose") || System.getProperty("spark.submit.deployMode") != null
                || leaf.commandSpec().userObject() instanceof CommandLog.Service;
        try (CommandLog log = CommandLog.start(leaf.commandSpec().name(), console)) {
            int code;
            try {
                code = new CommandLine.RunLast().execute(parsed);
            } catch (CommandLine.ExecutionException e) {
                // handled here, while the log is open: the error line names its file
                code = handle(e.getCause() instanceof Exception cause ? cause : e, e.getCommandLine().getErr());
            }
            if (code == EXIT_INTERNAL) {
                log.keep(); // bad input's one line says all; a failure's details are in the file
            }
            return code;
        }
    }

    /**
     * An option's value from the Spark configuration ({@code --conf spark.averon.NAME=VALUE} under
     * spark-submit, or spark-defaults.conf), which spark-submit hands the driver as system
     * properties; the command line wins over it, and it wins over the built-in default.
     */
    static String sparkConfDefault(CommandLine.Model.ArgSpec arg) {
        if (arg instanceof CommandLine.Model.OptionSpec option && option.longestName().startsWith("--")) {
            String value = System.getProperty(CONF_PREFIX + option.longestName().substring(2));
            if (value != null) {
                return value;
            }
        }
        return null; // the option's own default
    }

    static int handle(Exception e, PrintWriter err) {
        Throwable cause = e;
        while (!(cause instanceof InvalidInputException) && cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        if (cause instanceof InvalidInputException invalid) {
            err.println("averon: " + oneLine(invalid.getMessage()));
            err.flush();
            return EXIT_BAD_INPUT;
        }
        CommandLog log = CommandLog.current();
        String details = log == null ? "the log above" : log.file().toString();
        if (e instanceof io.averon.core.AveronException failure) {
            LOG.error("failed", e);
            err.println("averon: " + oneLine(failure.getMessage()) + " (details in " + details + ")");
            err.flush();
            return EXIT_INTERNAL;
        }
        LOG.error("internal failure", e);
        err.println("averon: internal error: " + oneLine(String.valueOf(e.getMessage())) + " ("
                + e.getClass().getSimpleName() + "; details in " + details + ")");
        err.flush();
        return EXIT_INTERNAL;
    }

    static String oneLine(String message) {
        return message == null ? "" : message.replace('\n', ' ').replace('\r', ' ').strip();
    }

    /** Version line: Averon and its DL4J/ND4J. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"averon " + Versions.all()};
        }
    }
}
