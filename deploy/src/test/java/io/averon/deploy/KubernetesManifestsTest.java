package io.averon.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Checks that the Kubernetes files of deploy/kubernetes (and the YARN properties) agree with each other and with
 * the build: one jar path, one image, one set of parameter-server ports, the job secret only as a mounted file,
 * memory-backed /dev/shm wherever Aeron runs, the Java 17 flags and native settings of deploy/jvm-env.sh everywhere. Every value
 * compared is read from the files themselves.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class KubernetesManifestsTest {

    private static final Path ROOT = Path.of(System.getProperty("averon.root", "..")).toAbsolutePath().normalize();
    private static final Path K8S = ROOT.resolve("deploy/kubernetes");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final long GIB = 1L << 30;

    // ---------------------------------------------------------------------------------------------- the tests

    @Test
    void shouldParseEveryManifestWhenFilesHoldSeveralDocuments() throws IOException {
        List<Path> files = yamlFiles();
        Set<String> names = files.stream().map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        assertTrue(names.containsAll(Set.of("pod-template.yaml", "spark-application.yaml", "parameter-server.yaml",
                "secret.example.yaml", "rbac.yaml")), "deploy/kubernetes holds " + names);
        for (Path file : files) {
            List<JsonNode> docs = documents(file);
            assertFalse(docs.isEmpty(), file + " has no document");
            for (JsonNode doc : docs) {
                assertTrue(doc.hasNonNull("apiVersion") && doc.hasNonNull("kind"), file + ": a document without apiVersion/kind");
            }
        }
        assertTrue(documents(K8S.resolve("parameter-server.yaml")).size() >= 2, "parameter-server.yaml: Deployment and Service");
    }

    @Test
    void shouldShipOneJarWhenDockerfileScriptAndManifestsNameIt() throws IOException {
        Dockerfile docker = Dockerfile.read();
        String jar = docker.copyDestination();
        assertTrue(jar.endsWith(".jar"), "Dockerfile copies " + jar);
        assertEquals("local://" + jar, sparkApplication().path("spec").path("mainApplicationFile").asText());
        assertEquals("local://" + jar, SubmitScript.read().applicationResource());
        assertEquals(jar, psArgument("-cp").split(":")[0], "averon ps classpath");
        // the image packs the jar deploy/spark-submit.sh submits by default (and the build's, when Maven names it)
        String launcherJar = firstGroup(Files.readString(ROOT.resolve("deploy/spark-line.sh")), "ls \"\\$1\"/(deploy/\\S+\\.jar)")
                .replace("\"$2\"", firstGroup(docker.from(), "-scala([0-9.]+)-"));
        assertTrue(FileSystems.getDefault().getPathMatcher("glob:" + launcherJar).matches(Path.of(docker.copySource())),
                "the Dockerfile copies " + docker.copySource() + ", deploy/spark-submit.sh submits " + launcherJar);
        for (String property : List.of("averon.shaded.jar", "averon.jar")) {
            String built = System.getProperty(property);
            if (built != null) {
                assertEquals(ROOT.relativize(Path.of(built).toAbsolutePath().normalize()).toString(), docker.copySource(),
                        "the Dockerfile copies the jar the build produces (" + property + ")");
            }
        }
    }

    @Test
    void shouldUseOneImageWhenEveryPodRunsAveron() throws IOException {
        Dockerfile docker = Dockerfile.read();
        String image = docker.buildTag();
        String version = firstGroup(Files.readString(ROOT.resolve("pom.xml")),
                "<artifactId>averon-parent</artifactId>\\s*<version>([^<]+)</version>");
        assertEquals("averon:" + version.replace("-SNAPSHOT", ""), image, "image tag follows the project version");
        JsonNode spec = sparkApplication().path("spec");
        assertEquals(image, spec.path("image").asText());
        for (String role : List.of("driver", "executor")) {
            assertTrue(spec.path(role).path("image").isMissingNode() || image.equals(spec.path(role).path("image").asText()));
        }
        assertEquals(image, psContainer().path("image").asText());
        assertEquals(image, SubmitScript.read().conf("spark.kubernetes.container.image"));
        // the default line's versions: the parent POM's first (the Spark 3.5 profile's come after)
        String pom = Files.readString(ROOT.resolve("pom.xml"));
        String sparkVersion = firstGroup(pom, "<spark.version>([^<]+)</spark.version>");
        String scala = firstGroup(pom, "<scala.binary.version>([^<]+)</scala.binary.version>");
        assertEquals(sparkVersion + "/" + scala, firstGroup(docker.from(), "^apache/spark:([0-9.]+)-scala")
                + "/" + firstGroup(docker.from(), "-scala([0-9.]+)-java17"), "base image");
        assertEquals(sparkVersion, spec.path("sparkVersion").asText());
        assertTrue(Set.of("spark", "185").contains(docker.lastUser()), "the image runs as the spark user, not " + docker.lastUser());
        JsonNode podSecurity = psDeployment().path("spec").path("template").path("spec").path("securityContext");
        assertTrue(podSecurity.path("runAsNonRoot").asBoolean(), "averon ps runs as non-root");
    }

    @Test
    void shouldAgreeOnPsPortsWhenDeploymentServiceAndJobsNameThem() throws IOException {
        int port = Integer.parseInt(hostPort(psArgument("--bind"))[1]);
        Set<String> expected = Set.of(port + "/UDP", (port + 1) + "/UDP");
        Map<String, Integer> named = new HashMap<>();
        Set<String> container = new LinkedHashSet<>();
        for (JsonNode p : psContainer().path("ports")) {
            container.add(p.path("containerPort").asInt() + "/" + p.path("protocol").asText("TCP"));
            named.put(p.path("name").asText(), p.path("containerPort").asInt());
        }
        assertEquals(expected, container, "ps container ports for --bind port " + port);
        JsonNode service = kind("parameter-server.yaml", "Service");
        Set<String> servicePorts = new LinkedHashSet<>();
        for (JsonNode p : service.path("spec").path("ports")) {
            JsonNode target = p.path("targetPort");
            int targetPort = target.isMissingNode() ? p.path("port").asInt()
                    : target.isInt() ? target.asInt() : named.getOrDefault(target.asText(), -1);
            assertEquals(p.path("port").asInt(), targetPort, "Service port " + p + " reaches the same container port");
            servicePorts.add(p.path("port").asInt() + "/" + p.path("protocol").asText("TCP"));
        }
        assertEquals(expected, servicePorts, "Service ports");
        String address = service.path("metadata").path("name").asText() + ":" + port;
        assertEquals(address, sparkConf().path("spark.averon.ps").asText(), "SparkApplication spark.averon.ps");
        assertEquals(address, SubmitScript.read().conf("spark.averon.ps"), "submit-k8s.sh spark.averon.ps");
    }

    @Test
    void shouldSelectThePsPodWhenServiceSelectorIsApplied() throws IOException {
        JsonNode deployment = psDeployment();
        JsonNode podLabels = deployment.path("spec").path("template").path("metadata").path("labels");
        JsonNode service = kind("parameter-server.yaml", "Service");
        JsonNode selector = service.path("spec").path("selector");
        assertTrue(selector.size() > 0, "the Service has a selector");
        assertSubset(selector, podLabels, "Service selector");
        assertSubset(deployment.path("spec").path("selector").path("matchLabels"), podLabels, "Deployment selector");
        assertEquals(1, deployment.path("spec").path("replicas").asInt(), "one parameter server");
        assertEquals(deployment.path("metadata").path("namespace"), service.path("metadata").path("namespace"));
    }

    @Test
    void shouldReadTheSecretFromAMountedFileWhenPsAndDriverStart() throws IOException {
        JsonNode secret = kind("secret.example.yaml", "Secret");
        String secretName = secret.path("metadata").path("name").asText();
        JsonNode data = secret.has("stringData") ? secret.path("stringData") : secret.path("data");
        assertEquals(1, data.size(), "the Secret holds one key");
        String key = data.fieldNames().next();

        JsonNode podSpec = psDeployment().path("spec").path("template").path("spec");
        String volume = null;
        for (JsonNode v : podSpec.path("volumes")) {
            if (secretName.equals(v.path("secret").path("secretName").asText())) {
                volume = v.path("name").asText();
            }
        }
        assertNotNull(volume, "the ps pod has a volume from Secret " + secretName);
        JsonNode mount = mountOf(psContainer(), volume);
        assertTrue(mount.path("readOnly").asBoolean(), "the secret is mounted read-only");
        assertEquals(mount.path("mountPath").asText() + "/" + key, psArgument("--secret-file"));

        JsonNode driverSecret = null;
        for (JsonNode s : sparkApplication().path("spec").path("driver").path("secrets")) {
            if (secretName.equals(s.path("name").asText())) {
                driverSecret = s;
            }
        }
        assertNotNull(driverSecret, "the SparkApplication's driver mounts " + secretName);
        assertEquals("Generic", driverSecret.path("secretType").asText());
        assertEquals(driverSecret.path("path").asText() + "/" + key, sparkConf().path("spark.averon.secret-file").asText());

        SubmitScript script = SubmitScript.read();
        String scriptMount = script.conf("spark.kubernetes.driver.secrets." + secretName);
        assertNotNull(scriptMount, "submit-k8s.sh mounts " + secretName + " on the driver");
        assertEquals(scriptMount + "/" + key, script.conf("spark.averon.secret-file"));
    }

    @Test
    void shouldAuthenticateAndEncryptSparkRpcWhereverTheJobSecretTravelsInSparkTasks() throws IOException {
        // the job secret reaches the executors inside Spark tasks: Spark's RPC must be authenticated and encrypted
        for (String key : List.of("spark.authenticate", "spark.network.crypto.enabled")) {
            assertEquals("true", yarnProperties().getProperty(key), "averon-yarn.properties " + key);
            assertEquals("true", sparkConf().path(key).asText(), "spark-application.yaml " + key);
            assertEquals("true", SubmitScript.read().conf(key), "submit-k8s.sh " + key);
        }
        // a Secret volume is readable beyond its owner inside the pod (which nobody else shares): say so explicitly
        assertTrue(strings(psContainer().path("command")).contains("--allow-shared-secret-file"), "averon ps");
        assertEquals("true", sparkConf().path("spark.averon.allow-shared-secret-file").asText(), "spark-application.yaml");
        assertEquals("true", SubmitScript.read().conf("spark.averon.allow-shared-secret-file"), "submit-k8s.sh");
    }

    @Test
    void shouldNeverExposeTheSecretWhenEnvironmentsAreBuilt() throws IOException {
        for (Path file : yamlFiles()) {
            for (JsonNode doc : documents(file)) {
                List<String> leaks = new ArrayList<>();
                findSecretEnv(doc, "", leaks);
                assertTrue(leaks.isEmpty(), file.getFileName() + " exposes a secret through the environment at " + leaks);
            }
        }
        assertTrue(sparkApplication().path("spec").path("executor").path("secrets").isMissingNode(),
                "executors get the secret inside the Spark task, not from a mount");
        for (String key : SubmitScript.read().confs().keySet()) {
            assertFalse(key.contains("secretKeyRef") || key.startsWith("spark.kubernetes.executor.secrets."),
                    "submit-k8s.sh hands a secret to the executors: " + key);
        }
        assertFalse(psContainer().has("env") || psContainer().has("envFrom"), "averon ps takes no environment");
    }

    @Test
    void shouldMountMemoryBackedShmWhenAeronRunsInThePod() throws IOException {
        JsonNode psPod = psDeployment().path("spec").path("template").path("spec");
        JsonNode psShm = shmVolume(psPod, psContainer());
        assertTrue(bytes(psShm.path("emptyDir").path("sizeLimit").asText("0")) < bytes(
                psContainer().path("resources").path("limits").path("memory").asText()), "ps /dev/shm fits its memory limit");

        SubmitScript script = SubmitScript.read();
        for (String role : List.of("driver", "executor")) {
            String template = script.conf("spark.kubernetes." + role + ".podTemplateFile");
            assertNotNull(template, "submit-k8s.sh sets a " + role + " pod template");
            JsonNode pod = documents(K8S.resolve(Path.of(template).getFileName().toString())).get(0);
            shmVolume(pod.path("spec"), pod.path("spec").path("containers").get(0));
        }

        JsonNode spec = sparkApplication().path("spec");
        for (String role : List.of("driver", "executor")) {
            shmVolume(spec, spec.path(role));
        }
    }

    @Test
    void shouldPassTheJava17FlagsWhenAnyJvmStartsFromTheImage() throws IOException {
        Set<String> flags = launcherFlags();
        assertTrue(flags.contains("--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED"), "Aeron's export in " + flags);
        assertEquals(flags, tokens(Dockerfile.read().env("JDK_JAVA_OPTIONS")), "the image's JDK_JAVA_OPTIONS");
        JsonNode spec = sparkApplication().path("spec");
        for (String role : List.of("driver", "executor")) {
            assertContainsAll(tokens(spec.path(role).path("javaOptions").asText()), flags, "SparkApplication " + role);
        }
        List<String> command = strings(psContainer().path("command"));
        assertContainsAll(new LinkedHashSet<>(command.subList(0, command.indexOf("-cp"))), flags, "averon ps command");
        SubmitScript script = SubmitScript.read();
        for (String role : List.of("driver", "executor")) {
            assertContainsAll(tokens(script.conf("spark." + role + ".extraJavaOptions")), flags, "submit-k8s.sh " + role);
        }
    }

    @Test
    void shouldSetTheLaunchersNativeSettingsWhenAnyJvmStartsFromTheImage() throws IOException {
        Set<String> settings = tokens(firstGroup(launcherEnv(), "(?m)^AVERON_NATIVE_ENV=\\(([^)]*)\\)"));
        assertTrue(settings.contains("MALLOC_TRIM_THRESHOLD_=1073741824"), "glibc's malloc settings in " + settings);
        assertContainsAll(tokens(Dockerfile.read().envLine()), settings, "the image's ENV");
    }

    @Test
    void shouldGiveThePsAsManyWorkersAsTheJobRunsWhenTheyShareAJob() throws IOException {
        String workers = psArgument("--workers");
        String job = psArgument("--job");
        JsonNode spec = sparkApplication().path("spec");
        assertEquals(workers, sparkConf().path("spark.averon.workers").asText(), "SparkApplication workers");
        assertEquals(job, sparkConf().path("spark.averon.job").asText(), "SparkApplication job");
        int taskCpus = Integer.parseInt(sparkConf().path("spark.task.cpus").asText("1"));
        int slots = spec.path("executor").path("instances").asInt() * spec.path("executor").path("cores").asInt() / taskCpus;
        assertTrue(slots >= Integer.parseInt(workers), "SparkApplication has " + slots + " task slots for " + workers + " workers");

        SubmitScript script = SubmitScript.read();
        assertEquals(workers, script.conf("spark.averon.workers"), "submit-k8s.sh workers");
        assertEquals(job, script.conf("spark.averon.job"), "submit-k8s.sh job");
        int scriptSlots = Integer.parseInt(script.conf("spark.executor.instances"))
                * Integer.parseInt(script.conf("spark.executor.cores")) / Integer.parseInt(script.conf("spark.task.cpus"));
        assertTrue(scriptSlots >= Integer.parseInt(workers), "submit-k8s.sh has " + scriptSlots + " slots for " + workers);

        JsonNode stateMount = null;
        for (JsonNode m : psContainer().path("volumeMounts")) {
            if (m.path("mountPath").asText().equals(psArgument("--state-dir"))) {
                stateMount = m;
            }
        }
        assertNotNull(stateMount, "--state-dir is a mounted volume");
        String claim = volume(psDeployment().path("spec").path("template").path("spec"), stateMount.path("name").asText())
                .path("persistentVolumeClaim").path("claimName").asText();
        assertTrue(documents(K8S.resolve("parameter-server.yaml")).stream().anyMatch(d -> "PersistentVolumeClaim".equals(
                d.path("kind").asText()) && claim.equals(d.path("metadata").path("name").asText())), "PVC " + claim + " defined");
    }

    @Test
    void shouldReserveOffHeapMemoryWhenExecutorsTrainWithNd4jAndAeron() throws IOException {
        long sparkApp = bytes(sparkApplication().path("spec").path("executor").path("memoryOverhead").asText("0"));
        long script = bytes(SubmitScript.read().conf("spark.executor.memoryOverhead"));
        long yarn = bytes(yarnProperties().getProperty("spark.executor.memoryOverhead", "0"));
        JsonNode template = documents(K8S.resolve("pod-template.yaml")).get(0).path("spec");
        long shm = bytes(shmVolume(template, template.path("containers").get(0)).path("emptyDir").path("sizeLimit").asText());
        for (long overhead : List.of(sparkApp, script, yarn)) {
            assertTrue(overhead >= GIB, "executor memoryOverhead " + overhead + " < 1 GiB");
            assertTrue(shm < overhead, "the executors' /dev/shm (" + shm + ") fits in their memoryOverhead (" + overhead + ")");
        }
    }

    @Test
    void shouldLetTheDriverCreateExecutorsWhenItRunsAsTheServiceAccount() throws IOException {
        String account = kind("rbac.yaml", "ServiceAccount").path("metadata").path("name").asText();
        JsonNode role = kind("rbac.yaml", "Role");
        JsonNode binding = kind("rbac.yaml", "RoleBinding");
        assertEquals(role.path("metadata").path("name").asText(), binding.path("roleRef").path("name").asText());
        assertTrue(stream(binding.path("subjects")).anyMatch(s -> "ServiceAccount".equals(s.path("kind").asText())
                && account.equals(s.path("name").asText())), "the RoleBinding binds " + account);
        for (String resource : List.of("pods", "services", "configmaps")) {
            assertTrue(stream(role.path("rules")).anyMatch(r -> strings(r.path("resources")).contains(resource)
                    && strings(r.path("verbs")).containsAll(List.of("create", "delete", "list", "watch"))), "Role on " + resource);
        }
        assertEquals(account, sparkApplication().path("spec").path("driver").path("serviceAccount").asText());
        SubmitScript script = SubmitScript.read();
        assertEquals(account, script.conf("spark.kubernetes.authenticate.driver.serviceAccountName"));
        String namespace = script.conf("spark.kubernetes.namespace");
        for (Path file : yamlFiles()) {
            for (JsonNode doc : documents(file)) {
                if (!"Pod".equals(doc.path("kind").asText())) { // a pod template takes the job's namespace
                    assertEquals(namespace, doc.path("metadata").path("namespace").asText(), file.getFileName() + " namespace");
                }
            }
        }
    }

    @Test
    void shouldEnableSparkAuthenticationAndEncryptionWhenJobsRunOnKubernetes() throws IOException {
        JsonNode conf = sparkConf();
        SubmitScript script = SubmitScript.read();
        for (String key : List.of("spark.authenticate", "spark.network.crypto.enabled")) {
            assertEquals("true", conf.path(key).asText(), "SparkApplication " + key);
            assertEquals("true", script.conf(key), "submit-k8s.sh " + key);
        }
        assertEquals("Never", sparkApplication().path("spec").path("restartPolicy").path("type").asText(),
                "a restarted application would train from scratch: resume with --resume instead");
        assertEquals("cluster", script.deployMode());
        assertTrue(script.master().startsWith("k8s://"), "submit-k8s.sh master " + script.master());
    }

    @Test
    void shouldConfigureYarnWhenThePropertiesFileIsLoaded() throws IOException {
        Properties p = yarnProperties();
        assertEquals("yarn", p.getProperty("spark.master"));
        assertEquals("true", p.getProperty("spark.authenticate"));
        assertEquals("true", p.getProperty("spark.network.crypto.enabled"));
        assertEquals("1", p.getProperty("spark.yarn.maxAppAttempts"), "a second attempt would restart training");
        assertEquals("1", p.getProperty("spark.task.cpus"));
        assertEquals("false", p.getProperty("spark.dynamicAllocation.enabled"), "barrier stages need every slot at once");
        assertNotNull(p.getProperty("spark.executor.memoryOverhead"), "executors' off-heap memory");
        int ps = Integer.parseInt(p.getProperty("spark.averon.ps-port"));
        int report = Integer.parseInt(p.getProperty("spark.averon.report-port"));
        assertFalse(Math.abs(report - ps) <= 1, "report ports " + report + "-" + (report + 1) + " collide with the ps"
                + " ports " + ps + "-" + (ps + 1));
    }

    @Test
    void shouldPassBashSyntaxCheckWhenTheScriptsAreRead() throws Exception {
        for (Path script : List.of(K8S.resolve("submit-k8s.sh"), ROOT.resolve("deploy/yarn/submit.sh"))) {
            Process bash;
            try {
                bash = new ProcessBuilder("bash", "-n", script.toString()).redirectErrorStream(true).start();
            } catch (IOException noBash) {
                assumeTrue(false, "bash not available");
                return;
            }
            String output = new String(bash.getInputStream().readAllBytes());
            assertTrue(bash.waitFor(30, TimeUnit.SECONDS), "bash -n " + script);
            assertEquals(0, bash.exitValue(), script + ": " + output);
            assertTrue(Files.isExecutable(script), script + " is executable");
        }
    }

    // ----------------------------------------------------------------------------------------------- reading

    private static List<Path> yamlFiles() throws IOException {
        try (Stream<Path> files = Files.list(K8S)) {
            return files.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().toList();
        }
    }

    /** Every non-empty document of a (multi-document) YAML file. */
    private static List<JsonNode> documents(Path file) throws IOException {
        List<JsonNode> docs = new ArrayList<>();
        try (Reader reader = Files.newBufferedReader(file);
             var values = YAML.readerFor(JsonNode.class).<JsonNode>readValues(YAML.getFactory().createParser(reader))) {
            while (values.hasNext()) {
                JsonNode doc = values.next();
                if (doc != null && !doc.isNull() && !doc.isMissingNode()) {
                    docs.add(doc);
                }
            }
        }
        return docs;
    }

    private static JsonNode kind(String file, String kind) throws IOException {
        List<JsonNode> matches = documents(K8S.resolve(file)).stream().filter(d -> kind.equals(d.path("kind").asText())).toList();
        assertEquals(1, matches.size(), file + ": one " + kind);
        return matches.get(0);
    }

    private static JsonNode sparkApplication() throws IOException {
        JsonNode app = kind("spark-application.yaml", "SparkApplication");
        assertEquals("sparkoperator.k8s.io/v1beta2", app.path("apiVersion").asText());
        return app;
    }

    private static JsonNode sparkConf() throws IOException {
        return sparkApplication().path("spec").path("sparkConf");
    }

    private static JsonNode psDeployment() throws IOException {
        return kind("parameter-server.yaml", "Deployment");
    }

    private static JsonNode psContainer() throws IOException {
        JsonNode containers = psDeployment().path("spec").path("template").path("spec").path("containers");
        assertEquals(1, containers.size(), "one container in the ps pod");
        return containers.get(0);
    }

    /** The value after {@code option} in the ps container's command (the java command line). */
    private static String psArgument(String option) throws IOException {
        List<String> command = strings(psContainer().path("command"));
        int at = command.indexOf(option);
        assertTrue(at >= 0 && at + 1 < command.size(), "averon ps command has " + option + ": " + command);
        return command.get(at + 1);
    }

    private static Properties yarnProperties() throws IOException {
        Properties p = new Properties();
        try (Reader reader = Files.newBufferedReader(ROOT.resolve("deploy/yarn/averon-yarn.properties"))) {
            p.load(reader);
        }
        return p;
    }

    /** deploy/jvm-env.sh, sourced by every launcher, with its line continuations joined. */
    private static String launcherEnv() throws IOException {
        return Files.readString(ROOT.resolve("deploy/jvm-env.sh")).replace("\\\n", " ");
    }

    /** The flags every launcher gives every JVM: jvm-env.sh's AVERON_JAVA_FLAGS plus one --add-opens per listed package. */
    private static Set<String> launcherFlags() throws IOException {
        String text = launcherEnv();
        Set<String> flags = tokens(firstGroup(text, "(?m)^AVERON_JAVA_FLAGS=\\(([^)]*)\\)"));
        for (String pkg : tokens(firstGroup(text, "(?m)^for p in ([^;]*);"))) {
            flags.add("--add-opens=java.base/" + pkg + "=ALL-UNNAMED");
        }
        return flags;
    }

    /** The /dev/shm volume of a container (or SparkApplication role) in a pod spec; it must be a Memory emptyDir. */
    private static JsonNode shmVolume(JsonNode podSpec, JsonNode container) {
        JsonNode mount = stream(container.path("volumeMounts")).filter(m -> "/dev/shm".equals(m.path("mountPath").asText()))
                .findFirst().orElse(null);
        assertNotNull(mount, "/dev/shm is mounted in " + container.path("name").asText(container.toString()));
        JsonNode volume = volume(podSpec, mount.path("name").asText());
        assertEquals("Memory", volume.path("emptyDir").path("medium").asText(), "/dev/shm volume " + volume);
        return volume;
    }

    private static JsonNode volume(JsonNode podSpec, String name) {
        return stream(podSpec.path("volumes")).filter(v -> name.equals(v.path("name").asText())).findFirst()
                .orElseThrow(() -> new AssertionError("no volume " + name));
    }

    private static JsonNode mountOf(JsonNode container, String volume) {
        return stream(container.path("volumeMounts")).filter(m -> volume.equals(m.path("name").asText())).findFirst()
                .orElseThrow(() -> new AssertionError("volume " + volume + " is not mounted"));
    }

    /** Collects where a document takes a secret into an environment: secretKeyRef, envFrom.secretRef, envSecretKeyRefs. */
    private static void findSecretEnv(JsonNode node, String path, List<String> leaks) {
        if (node.isObject()) {
            node.fields().forEachRemaining(e -> {
                String at = path + "/" + e.getKey();
                if (e.getKey().equals("secretKeyRef") || e.getKey().equals("envSecretKeyRefs")
                        || (e.getKey().equals("secretRef") && path.contains("envFrom"))) {
                    leaks.add(at);
                }
                findSecretEnv(e.getValue(), at, leaks);
            });
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                findSecretEnv(node.get(i), path + "/" + i, leaks);
            }
        }
    }

    // ----------------------------------------------------------------------------------------------- helpers

    private static Stream<JsonNode> stream(JsonNode array) {
        List<JsonNode> nodes = new ArrayList<>();
        array.forEach(nodes::add);
        return nodes.stream();
    }

    private static List<String> strings(JsonNode array) {
        return stream(array).filter(JsonNode::isValueNode).map(JsonNode::asText).toList();
    }

    private static Set<String> tokens(String text) {
        assertNotNull(text);
        return Arrays.stream(text.trim().split("\\s+")).filter(t -> !t.isEmpty()).collect(Collectors.toCollection(LinkedHashSet::new));
    }

    private static String firstGroup(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), "no match for " + regex);
        return m.group(1);
    }

    private static String[] hostPort(String address) {
        int colon = address.lastIndexOf(':');
        assertTrue(colon > 0, "HOST:PORT expected, got " + address);
        return new String[] {address.substring(0, colon), address.substring(colon + 1)};
    }

    private static void assertSubset(JsonNode labels, JsonNode of, String what) {
        labels.fields().forEachRemaining(e -> assertEquals(e.getValue(), of.path(e.getKey()), what + " " + e.getKey()));
    }

    private static void assertContainsAll(Set<String> actual, Set<String> required, String what) {
        Set<String> missing = new LinkedHashSet<>(required);
        missing.removeAll(actual);
        assertTrue(missing.isEmpty(), what + " lacks " + missing);
    }

    /** A Spark size (2g, 1024m) or a Kubernetes quantity (1Gi, 512Mi, 2G) in bytes. */
    private static long bytes(String size) {
        Matcher m = Pattern.compile("(\\d+)\\s*([kKmMgGtT]i?)?[bB]?").matcher(size.trim());
        assertTrue(m.matches(), "not a size: " + size);
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "" : m.group(2);
        boolean decimal = unit.length() == 1 && Character.isUpperCase(unit.charAt(0)); // Kubernetes' K, M, G, T
        int power = unit.isEmpty() ? 0 : "KMGT".indexOf(Character.toUpperCase(unit.charAt(0))) + 1;
        return n * (long) Math.pow(decimal ? 1000 : 1024, power);
    }

    // ----------------------------------------------------------------------------------------------- file models

    /** What the Dockerfile says: its build tag (from the docker build comment), FROM, COPY, ENV and USER. */
    private record Dockerfile(String text) {
        static Dockerfile read() throws IOException {
            return new Dockerfile(Files.readString(K8S.resolve("Dockerfile")).replace("\\\n", ""));
        }

        String buildTag() {
            return firstGroup(text, "docker build .* -t (\\S+)");
        }

        /** The base image, with an {@code ARG}'s default for {@code ${NAME}}. */
        String from() {
            return argDefault(firstGroup(text, "(?m)^FROM\\s+(\\S+)"));
        }

        String copySource() {
            return argDefault(firstGroup(text, "(?m)^COPY\\s+(\\S+)\\s+\\S+\\.jar\\s*$"));
        }

        private String argDefault(String value) {
            Matcher arg = Pattern.compile("^\\$\\{?(\\w+)}?$").matcher(value);
            return arg.matches() ? firstGroup(text, "(?m)^ARG\\s+" + arg.group(1) + "=(\\S+)") : value;
        }

        String copyDestination() {
            return firstGroup(text, "(?m)^COPY\\s+\\S+\\s+(\\S+\\.jar)\\s*$");
        }

        /** The first ENV instruction, line continuations joined. */
        String envLine() {
            return firstGroup(text, "(?m)^ENV\\s(.*)$");
        }

        String env(String name) {
            return firstGroup(text, "(?m)^ENV\\s.*?\\b" + name + "=\"([^\"]*)\"");
        }

        String lastUser() {
            Matcher m = Pattern.compile("(?m)^USER\\s+(\\S+)").matcher(text);
            String user = null;
            while (m.find()) {
                user = m.group(1);
            }
            assertNotNull(user, "the Dockerfile sets USER");
            return user;
        }
    }

    /**
     * The spark-submit command of submit-k8s.sh: its {@code --conf} settings (the last one of a key wins, as in
     * spark-submit), master, deploy mode and application jar, with the script's {@code X="${Y:-default}"} variables
     * and arrays expanded.
     */
    private record SubmitScript(Map<String, String> confs, String master, String deployMode, String applicationResource) {
        static SubmitScript read() throws IOException {
            String text = Files.readString(K8S.resolve("submit-k8s.sh"));
            Map<String, String> vars = new HashMap<>();
            Matcher v = Pattern.compile("(?m)^(\\w+)=\"\\$\\{\\w+:-([^}]*)}\"\\s*$").matcher(text);
            while (v.find()) {
                vars.put(v.group(1), v.group(2));
            }
            Matcher a = Pattern.compile("(?ms)^(\\w+)=\\(\\s*$(.*?)^\\)").matcher(text);
            while (a.find()) {
                vars.put(a.group(1) + "[*]", String.join(" ", tokens(a.group(2).replaceAll("(?m)#.*$", ""))));
            }
            String command = firstGroup(text.replace("\\\n", " "), "(?m)^exec \"\\$SPARK_HOME/bin/spark-submit\"(.*)$");
            for (Map.Entry<String, String> e : vars.entrySet()) {
                command = command.replace("${" + e.getKey() + "}", e.getValue()).replace("$" + e.getKey() + "\"", e.getValue() + "\"");
            }
            Map<String, String> confs = new HashMap<>();
            String master = null;
            String mode = null;
            String resource = null;
            List<String> args = shellWords(command);
            for (int i = 0; i < args.size(); i++) {
                String arg = args.get(i);
                switch (arg) {
                    case "--conf" -> {
                        String kv = args.get(++i);
                        confs.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
                    }
                    case "--master" -> master = args.get(++i);
                    case "--deploy-mode" -> mode = args.get(++i);
                    default -> {
                        if (resource == null && arg.startsWith("local://")) {
                            resource = arg;
                        }
                    }
                }
            }
            assertNotNull(resource, "submit-k8s.sh names the application jar");
            return new SubmitScript(confs, master, mode, resource);
        }

        String conf(String key) {
            return confs.get(key);
        }

        /** Splits a command line into words, honouring single and double quotes (no other expansion). */
        private static List<String> shellWords(String line) {
            List<String> words = new ArrayList<>();
            StringBuilder word = new StringBuilder();
            boolean inWord = false;
            char quote = 0;
            for (char c : line.toCharArray()) {
                if (quote != 0) {
                    if (c == quote) {
                        quote = 0;
                    } else {
                        word.append(c);
                    }
                } else if (c == '"' || c == '\'') {
                    quote = c;
                    inWord = true;
                } else if (Character.isWhitespace(c)) {
                    if (inWord) {
                        words.add(word.toString());
                        word.setLength(0);
                        inWord = false;
                    }
                } else {
                    word.append(c);
                    inWord = true;
                }
            }
            if (inWord) {
                words.add(word.toString());
            }
            return words;
        }
    }
}
