package io.averon.deploy;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real Spark standalone cluster started with {@code deploy/local-cluster/start.sh} (master and
 * workers as separate JVMs), and {@code deploy/spark-submit.sh} to submit the shaded jar to it.
 */
final class LocalCluster implements AutoCloseable {

    static final Path ROOT = Path.of(System.getProperty("averon.root", "..")).toAbsolutePath().normalize();
    static final Path JAR = Path.of(System.getProperty("averon.jar", "target/none.jar")).toAbsolutePath();
    /** How spark-home.sh is told the Spark line this build is for: nothing (Spark 4), or {@code --spark-3.5}. */
    static final String SPARK_HOME_ARGS = System.getProperty("averon.sparkHomeArgs", "").strip();

    /** What a finished process printed. */
    record Run(int exitCode, String output) {
    }

    private final Path runDir;
    private final Path sparkHome;
    private final String masterUrl;

    private LocalCluster(Path runDir, Path sparkHome, String masterUrl) {
        this.runDir = runDir;
        this.sparkHome = sparkHome;
        this.masterUrl = masterUrl;
    }

    /**
     * Starts a master and {@code workers} workers of {@code cores} cores each; logs and work dirs in
     * {@code runDir}. With {@code authSecretFile}, Spark's RPC is authenticated with that secret and
     * encrypted ({@code start.sh --auth-secret-file}); drivers then need {@link #authProperties}.
     */
    static LocalCluster start(Path runDir, int workers, int cores, String memory, Path authSecretFile) throws Exception {
        Path sparkHome = sparkHome();
        List<String> start = new ArrayList<>(List.of(ROOT.resolve("deploy/local-cluster/start.sh").toString(), "--workers",
                "" + workers, "--cores", "" + cores, "--memory", memory, "--port", "" + freePort(), "--dir",
                runDir.toString()));
        if (authSecretFile != null) {
            start.addAll(List.of("--auth-secret-file", authSecretFile.toString()));
        }
        Run started = script(start, Map.of("SPARK_HOME", sparkHome.toString()), 300);
        LocalCluster cluster = new LocalCluster(runDir, sparkHome, null);
        if (started.exitCode() != 0) {
            cluster.close();
            String masterLog = Files.exists(runDir.resolve("master.log")) ? Files.readString(runDir.resolve("master.log")) : "";
            throw new IllegalStateException("start.sh failed (" + started.exitCode() + "): " + started.output()
                    + "\nmaster.log:\n" + masterLog.substring(Math.max(0, masterLog.length() - 4000)));
        }
        return new LocalCluster(runDir, sparkHome, Files.readString(runDir.resolve("master-url")).strip());
    }

    /**
     * A spark-submit properties file (chmod 600) turning on Spark's RPC authentication with the secret
     * in {@code authSecretFile} and encryption, for drivers of a cluster started with it.
     */
    static Path authProperties(Path authSecretFile, Path properties) throws IOException {
        String secret = Files.readString(authSecretFile, StandardCharsets.UTF_8).strip();
        Files.deleteIfExists(properties);
        Files.createFile(properties, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        Files.writeString(properties, "spark.authenticate=true\nspark.network.crypto.enabled=true\n"
                + "spark.authenticate.secret=" + secret + "\n", StandardCharsets.UTF_8);
        return properties;
    }

    /** A new random secret in a file readable by its owner only. */
    static Path secretFile(Path file) throws IOException {
        byte[] bytes = new byte[32];
        new java.security.SecureRandom().nextBytes(bytes);
        Files.deleteIfExists(file);
        Files.createFile(file, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, java.util.HexFormat.of().formatHex(bytes), StandardCharsets.US_ASCII);
        return file;
    }

    String masterUrl() {
        return masterUrl;
    }

    /** {@code deploy/spark-submit.sh SPARK_ARGS -- AVERON_ARGS} against this cluster. */
    Run submit(List<String> sparkArgs, List<String> averonArgs, long timeoutSeconds) throws Exception {
        return script(submitCommand(sparkArgs, averonArgs), submitEnvironment(), timeoutSeconds);
    }

    /** The Maven-built SPARK_HOME of this build's Spark line ({@code deploy/local-cluster/spark-home.sh}). */
    static Path sparkHome() throws Exception {
        List<String> command = new ArrayList<>(List.of(ROOT.resolve("deploy/local-cluster/spark-home.sh").toString()));
        if (!SPARK_HOME_ARGS.isEmpty()) {
            command.add(SPARK_HOME_ARGS);
        }
        Run home = script(command, Map.of(), 600);
        if (home.exitCode() != 0) {
            throw new IllegalStateException("spark-home.sh failed: " + home.output());
        }
        // the script prints the directory last; Maven's output (stderr, merged here) may precede it on that line
        String last = home.output().replaceAll("\u001B\\[[0-9;]*m", "").strip().lines().reduce((a, b) -> b)
                .orElseThrow();
        return Path.of(last.substring(last.indexOf('/')));
    }

    private List<String> submitCommand(List<String> sparkArgs, List<String> averonArgs) {
        List<String> command = new ArrayList<>(List.of(ROOT.resolve("deploy/spark-submit.sh").toString(),
                "--master", masterUrl));
        command.addAll(sparkArgs);
        command.add("--");
        command.addAll(averonArgs);
        return command;
    }

    private Map<String, String> submitEnvironment() {
        return Map.of("SPARK_HOME", sparkHome.toString(), "AVERON_JAR", JAR.toString());
    }

    /** A process started in the background, its output going to {@code log}. */
    record Background(Process process, Path log) {
        Run await(long timeoutSeconds) throws Exception {
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                kill();
                throw new IllegalStateException(process.info().command().orElse("the process") + " still running after "
                        + timeoutSeconds + " s: " + output());
            }
            return new Run(process.exitValue(), output());
        }

        String output() throws IOException {
            return Files.readString(log, StandardCharsets.UTF_8);
        }

        void kill() {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }

    /** {@link #submit} without waiting. */
    Background submitInBackground(List<String> sparkArgs, List<String> averonArgs, Path log) throws IOException {
        return background(submitCommand(sparkArgs, averonArgs), submitEnvironment(), log);
    }

    /** Starts {@code command} with the repository's environment plus {@code env}, output merged into {@code log}. */
    static Background background(List<String> command, Map<String, String> env, Path log) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(env);
        builder.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        // this build already resolved every jar spark-home.sh copies (deploy/pom.xml's test scope)
        builder.environment().put("MVN_ARGS", "-o");
        return new Background(builder.start(), log);
    }

    /** The JVM of the executor whose log is {@code stderr} (its working directory is the log's directory). */
    static ProcessHandle executorProcess(Path stderr) {
        Path dir = stderr.getParent().toAbsolutePath().normalize();
        return ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("")
                .contains("CoarseGrainedExecutorBackend")).filter(p -> {
                    try {
                        return Files.readSymbolicLink(Path.of("/proc/" + p.pid() + "/cwd")).equals(dir);
                    } catch (IOException | UnsupportedOperationException e) {
                        return false;
                    }
                }).findFirst().orElseThrow(() -> new IllegalStateException("no executor process runs in " + dir));
    }

    /** The logs of the master and the workers (start.sh's RUNDIR/master.log, worker-N.log). */
    List<Path> daemonLogs() throws IOException {
        try (Stream<Path> files = Files.list(runDir)) {
            return files.filter(p -> p.getFileName().toString().matches("(master|worker-\\d+)\\.log")).sorted().toList();
        }
    }

    /** Each executor's stderr (their logs) in the workers' work dirs, for application {@code appDirPrefix} ("app-"). */
    List<Path> executorLogs() throws IOException {
        try (Stream<Path> files = Files.walk(runDir)) {
            return files.filter(p -> p.getFileName().toString().equals("stderr")
                    && p.getParent().getParent().getFileName().toString().startsWith("app-")).sorted().toList();
        }
    }

    @Override
    public void close() throws Exception {
        script(List.of(ROOT.resolve("deploy/local-cluster/stop.sh").toString(), "--dir", runDir.toString()), Map.of(), 120);
    }

    /** Runs a script with the repository's environment plus {@code env}, output merged; kills it after the timeout. */
    static Run script(List<String> command, Map<String, String> env, long timeoutSeconds) throws Exception {
        Path log = Files.createTempFile("averon-script", ".log");
        Run run = background(command, env, log).await(timeoutSeconds);
        Files.delete(log);
        return run;
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
