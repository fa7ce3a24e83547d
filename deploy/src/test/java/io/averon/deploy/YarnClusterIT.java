package io.averon.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.yarn.api.records.ApplicationId;
import org.apache.hadoop.yarn.api.records.ApplicationReport;
import org.apache.hadoop.yarn.api.records.FinalApplicationStatus;
import org.apache.hadoop.yarn.api.records.NodeState;
import org.apache.hadoop.yarn.api.records.YarnApplicationState;
import org.apache.hadoop.yarn.client.api.YarnClient;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.MiniYARNCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shaded jar submitted with {@code deploy/yarn/submit.sh} (and so {@code averon-yarn.properties})
 * to a real YARN: a MiniYARNCluster (ResourceManager and two NodeManagers) and a MiniDFSCluster in
 * this JVM, the application master, driver (cluster mode) and executors in containers (their own
 * JVMs), the data read from HDFS and the run written to HDFS.
 */
@Timeout(value = 20, unit = TimeUnit.MINUTES)
class YarnClusterIT {

    private static final String FASHION_MNIST = "/usr/share/datasets/fashion-mnist";
    private static final List<String> IDX_FILES = List.of("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
            "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz");
    private static final int NODE_MANAGERS = 2;
    private static final int NODE_MANAGER_MB = 4096;
    private static final long SUBMIT_TIMEOUT_SECONDS = 600;

    /** HDFS's storage and the client configuration (HADOOP_CONF_DIR). */
    private static final Path WORK = Path.of("target", "yarn-cluster-it").toAbsolutePath();
    /** Where MiniYARNCluster puts the NodeManagers' local and log dirs (container logs): test.build.data/NAME/yarn-N. */
    private static final Path YARN_WORK = Path.of(System.getProperty("test.build.data", "target/test/data"),
            YarnClusterIT.class.getSimpleName()).toAbsolutePath();

    static MiniDFSCluster hdfs;
    static MiniYARNCluster yarn;
    static YarnClient yarnClient;
    static FileSystem fs;
    static Path confDir;
    static Path sparkHome;

    @BeforeAll
    static void startClusters() throws Exception {
        assertTrue(Files.isRegularFile(LocalCluster.JAR), "the shaded jar is built: " + LocalCluster.JAR);
        sparkHome = LocalCluster.sparkHome();

        deleteRecursively(WORK);
        deleteRecursively(YARN_WORK); // the previous run's container logs
        Files.createDirectories(WORK);
        Configuration hdfsConf = new Configuration();
        hdfsConf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, WORK.resolve("hdfs").toString());
        hdfsConf.setInt("dfs.replication", 1);
        hdfs = new MiniDFSCluster.Builder(hdfsConf).numDataNodes(1).build();
        hdfs.waitActive();
        fs = hdfs.getFileSystem();

        YarnConfiguration conf = new YarnConfiguration();
        conf.set("fs.defaultFS", fs.getUri().toString());
        conf.setInt("dfs.replication", 1);
        // MiniYARNCluster sets each NodeManager's memory itself (4 GB); only this key overrides that
        conf.setInt("yarn.minicluster.yarn.nodemanager.resource.memory-mb", NODE_MANAGER_MB);
        conf.setInt(YarnConfiguration.NM_PMEM_MB, NODE_MANAGER_MB);
        conf.setBoolean(YarnConfiguration.NM_PMEM_CHECK_ENABLED, false);
        conf.setBoolean(YarnConfiguration.NM_VMEM_CHECK_ENABLED, false);
        conf.setInt(YarnConfiguration.RM_SCHEDULER_MINIMUM_ALLOCATION_MB, 128);
        conf.setInt(YarnConfiguration.RM_SCHEDULER_MAXIMUM_ALLOCATION_MB, NODE_MANAGER_MB);
        conf.setFloat("yarn.nodemanager.disk-health-checker.max-disk-utilization-per-disk-percentage", 99.0f);
        // the minicluster's jar has no capacity-scheduler.xml: one queue with everything
        conf.set("yarn.scheduler.capacity.root.queues", "default");
        conf.set("yarn.scheduler.capacity.root.default.capacity", "100");
        conf.set("yarn.scheduler.capacity.root.default.maximum-capacity", "100");
        conf.set("yarn.scheduler.capacity.root.default.maximum-am-resource-percent", "0.5");
        // container logs stay in the NodeManagers' log dirs (no aggregation), for the failure messages
        conf.setBoolean(YarnConfiguration.LOG_AGGREGATION_ENABLED, false);
        // its NodeManagers' local and log dirs go to YARN_WORK (under target/)
        yarn = new MiniYARNCluster(YarnClusterIT.class.getSimpleName(), NODE_MANAGERS, 1, 1);
        yarn.init(conf);
        yarn.start();

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        // start() may return before the ResourceManager has put its real port into the configuration
        while (yarn.getConfig().get(YarnConfiguration.RM_ADDRESS).endsWith(":0")) {
            assertTrue(System.nanoTime() < deadline, "the ResourceManager has no address yet");
            Thread.sleep(100);
        }
        yarnClient = YarnClient.createYarnClient();
        yarnClient.init(yarn.getConfig());
        yarnClient.start();
        while (yarnClient.getNodeReports(NodeState.RUNNING).size() < NODE_MANAGERS) {
            assertTrue(System.nanoTime() < deadline, "NodeManagers registered: " + yarnClient.getNodeReports());
            Thread.sleep(100);
        }

        // the client configuration a cluster user would have in HADOOP_CONF_DIR
        confDir = Files.createDirectories(WORK.resolve("hadoop-conf"));
        writeXml(yarn.getConfig(), confDir.resolve("yarn-site.xml"));
        Configuration core = new Configuration(false);
        core.set("fs.defaultFS", fs.getUri().toString());
        core.setInt("dfs.replication", 1);
        writeXml(core, confDir.resolve("core-site.xml"));

        org.apache.hadoop.fs.Path data = new org.apache.hadoop.fs.Path("/data/fashion-mnist");
        fs.mkdirs(data);
        for (String file : IDX_FILES) {
            fs.copyFromLocalFile(new org.apache.hadoop.fs.Path(FASHION_MNIST, file), new org.apache.hadoop.fs.Path(data, file));
        }
    }

    @AfterAll
    static void stopClusters() throws Exception {
        if (yarnClient != null) {
            yarnClient.stop();
        }
        if (yarn != null) {
            yarn.stop();
        }
        if (hdfs != null) {
            hdfs.shutdown();
        }
    }

    @Test
    void shouldTrainFromHdfsWhenSubmittedInClientMode() throws Exception {
        trainAndCheck("client", List.of("--conf", "spark.yarn.am.memory=512m"));
    }

    @Test
    void shouldTrainFromHdfsWhenSubmittedInClusterMode() throws Exception {
        trainAndCheck("cluster", List.of("--conf", "spark.driver.memory=1g", "--conf", "spark.driver.memoryOverhead=512m"));
    }

    /** Submits {@code train} with deploy/yarn/submit.sh in {@code mode} and checks the run and YARN's verdict. */
    private static void trainAndCheck(String mode, List<String> modeArgs) throws Exception {
        String out = fs.getUri() + "/runs/" + mode;
        Set<ApplicationId> before = applications();
        List<String> command = new ArrayList<>(List.of(LocalCluster.ROOT.resolve("deploy/yarn/submit.sh").toString(),
                // what only this machine needs: Spark's jars are on every "node" already, the containers are small
                "--conf", "spark.yarn.jars=local:" + sparkHome.resolve("jars") + "/*",
                "--conf", "spark.executor.instances=2", "--conf", "spark.executor.cores=1",
                "--conf", "spark.executor.memory=768m", "--conf", "spark.executor.memoryOverhead=512m",
                "--conf", "spark.scheduler.maxRegisteredResourcesWaitingTime=120s"));
        command.addAll(modeArgs);
        command.addAll(List.of("--", "train", "--data", fs.getUri() + "/data/fashion-mnist", "--model", "mlp",
                "--epochs", "1", "--workers", "2", "--seed", "7", "--out", out, "--no-progress"));
        long start = System.nanoTime();
        LocalCluster.Run run = LocalCluster.script(command, Map.of("SPARK_HOME", sparkHome.toString(),
                "AVERON_JAR", LocalCluster.JAR.toString(), "HADOOP_CONF_DIR", confDir.toString(),
                "DEPLOY_MODE", mode, "JAVA_HOME", System.getProperty("java.home")), SUBMIT_TIMEOUT_SECONDS);
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
        Set<ApplicationId> submitted = applications();
        submitted.removeAll(before);
        assertEquals(1, submitted.size(), "one YARN application per submission: " + submitted + "\n" + tail(run.output(), 80));
        ApplicationId app = submitted.iterator().next();
        assertEquals(0, run.exitCode(), mode + " mode: submit.sh failed after " + seconds + " s\n"
                + tail(run.output(), 80) + containerLogs(app));

        ApplicationReport report = finalReport(app);
        assertEquals(YarnApplicationState.FINISHED, report.getYarnApplicationState(), report.getDiagnostics() + containerLogs(app));
        assertEquals(FinalApplicationStatus.SUCCEEDED, report.getFinalApplicationStatus(),
                report.getDiagnostics() + containerLogs(app));

        JsonNode metrics;
        try (InputStream in = fs.open(new org.apache.hadoop.fs.Path(out, "metrics.json"))) {
            metrics = new ObjectMapper().readTree(in);
        }
        JsonNode epochs = metrics.path("epochs");
        assertEquals(1, epochs.size(), "epochs in metrics.json: " + metrics);
        JsonNode epoch = epochs.get(0);
        assertEquals(2, epoch.path("workers").asInt(), "workers of the epoch: " + epoch);
        double accuracy = epoch.path("test_accuracy").asDouble();
        assertTrue(accuracy >= 0.80, "test accuracy after 1 epoch: " + accuracy);
        org.apache.hadoop.fs.Path model = new org.apache.hadoop.fs.Path(out, "model.zip");
        assertTrue(fs.exists(model) && fs.getFileStatus(model).getLen() > 100_000, "model.zip written to " + model);
        System.out.printf("%s mode: %s FINISHED/SUCCEEDED in %d s, test accuracy %.4f%n", mode, app, seconds, accuracy);
    }

    /** The application's report once YARN considers it done (the AM unregisters after spark-submit returns in client mode). */
    private static ApplicationReport finalReport(ApplicationId app) throws Exception {
        Set<YarnApplicationState> done = EnumSet.of(YarnApplicationState.FINISHED, YarnApplicationState.FAILED,
                YarnApplicationState.KILLED);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        ApplicationReport report = yarnClient.getApplicationReport(app);
        while (!done.contains(report.getYarnApplicationState()) && System.nanoTime() < deadline) {
            Thread.sleep(250);
            report = yarnClient.getApplicationReport(app);
        }
        return report;
    }

    private static Set<ApplicationId> applications() throws Exception {
        return yarnClient.getApplications().stream().map(ApplicationReport::getApplicationId)
                .collect(Collectors.toCollection(HashSet::new));
    }

    /** The tails of the application's container logs (AM, executors) from the NodeManagers' log dirs. */
    private static String containerLogs(ApplicationId app) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < NODE_MANAGERS; i++) {
            for (String dir : yarn.getNodeManager(i).getConfig().getTrimmedStrings(YarnConfiguration.NM_LOG_DIRS)) {
                Path appDir = Path.of(dir.replaceFirst("^file:", ""), app.toString());
                if (!Files.isDirectory(appDir)) {
                    continue;
                }
                try (Stream<Path> files = Files.walk(appDir)) {
                    for (Path log : files.filter(p -> Set.of("stderr", "stdout").contains(p.getFileName().toString()))
                            .sorted().toList()) {
                        text.append("\n---- ").append(log).append('\n')
                                .append(tail(Files.readString(log, StandardCharsets.UTF_8), 40));
                    }
                } catch (IOException e) {
                    text.append("\n(cannot read ").append(appDir).append(": ").append(e).append(')');
                }
            }
        }
        return text.length() == 0 ? "\n(no container logs for " + app + ")" : text.toString();
    }

    private static String tail(String text, int lines) {
        List<String> all = text.lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    private static void writeXml(Configuration conf, Path file) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            conf.writeXml(out);
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
