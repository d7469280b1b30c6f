package dev.codeact.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codeact.config.WorkerConfig;
import dev.codeact.contract.RedisKeys;
import dev.codeact.session.GatewayLifecycle;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * k8s/ as a cluster would get it ({@code kubectl kustomize}): every document valid against the
 * Kubernetes and KEDA schemas with unknown fields rejected (src/test/k8s/validate.mjs), and what the
 * manifests say of the application checked against the application itself: its configuration keys,
 * its port and health probes, its Redis keys, and the services, selectors and policies that must
 * line up for it to run.
 */
class K8sManifestsTest {

    static final Path WORK = Path.of("target/k8s-check");
    static final ObjectMapper JSON = new ObjectMapper();
    static String rendered;
    static List<JsonNode> docs = new ArrayList<>();

    record Run(int exit, String output) {}

    static Run run(String input, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (input != null) {
            p.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
        }
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), String.join(" ", command) + " did not end");
        return new Run(p.exitValue(), out);
    }

    static Run validate(String yaml, Path work) throws IOException, InterruptedException {
        return run(yaml, "node", "src/test/k8s/validate.mjs", work.toString());
    }

    static boolean kubectl() {
        try {
            return new ProcessBuilder("kubectl", "version", "--client").redirectErrorStream(true).start().waitFor() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /** {@code kubectl kustomize DIR}; where kubectl is missing, src/test/k8s/render.mjs (the part of kustomize k8s/ uses). */
    static String render(String dir) throws Exception {
        Run kustomize = kubectl() ? run(null, "kubectl", "kustomize", dir) : run(null, "node", "src/test/k8s/render.mjs", dir);
        assertEquals(0, kustomize.exit(), kustomize.output());
        return kustomize.output();
    }

    @BeforeAll
    static void render() throws Exception {
        rendered = render("k8s/");
    }

    /** The stand-in renderer gives kubectl's documents, wherever kubectl is there to compare. */
    @Test
    void theStandInRendersWhatKubectlRenders() throws Exception {
        Assumptions.assumeTrue(kubectl(), "kubectl is not installed: nothing to compare the stand-in with");
        for (String dir : List.of("k8s/", "k8s/knative")) {
            Set<JsonNode> byKubectl = documents(run(null, "kubectl", "kustomize", dir).output(), "target/k8s-kubectl");
            Set<JsonNode> byStandIn = documents(run(null, "node", "src/test/k8s/render.mjs", dir).output(), "target/k8s-stand-in");
            assertEquals(byKubectl, byStandIn, dir);
        }
    }

    private static Set<JsonNode> documents(String yaml, String work) throws Exception {
        Run checked = validate(yaml, Path.of(work));
        assertEquals(0, checked.exit(), checked.output());
        Set<JsonNode> out = new java.util.HashSet<>();
        JSON.readTree(Path.of(work, "manifests.json").toFile()).forEach(out::add);
        return out;
    }

    List<JsonNode> kind(String kind) throws IOException, InterruptedException {
        if (docs.isEmpty()) {
            Run checked = validate(rendered, WORK);
            assertEquals(0, checked.exit(), checked.output());
            JSON.readTree(WORK.resolve("manifests.json").toFile()).forEach(docs::add);
        }
        return docs.stream().filter(d -> kind.equals(d.path("kind").asText())).toList();
    }

    JsonNode named(String kind, String name) throws IOException, InterruptedException {
        return kind(kind).stream().filter(d -> name.equals(d.at("/metadata/name").asText())).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + "/" + name));
    }

    @Test
    void everyDocumentMatchesTheKubernetesAndKedaSchemas() throws Exception {
        Run checked = validate(rendered, WORK);
        assertEquals(0, checked.exit(), checked.output());
        assertTrue(checked.output().contains("ScaledObject/worker") && checked.output().contains("Deployment/gateway"), checked.output());
    }

    /** The check itself can fail: a misspelled field, a wrong type and a KEDA setting that does not exist. */
    @Test
    void theCheckRejectsUnknownFieldsWrongTypesAndUnknownKedaSettings() throws Exception {
        Run broken = validate(rendered.replace("periodSeconds:", "periodSecond:").replace("replicas: 2", "replicas: two")
                .replace("lagCount:", "lagCnt:"), Path.of("target/k8s-check-broken"));
        assertNotEquals(0, broken.exit());
        for (String expected : List.of("periodSecond", "replicas must be integer", "no setting 'lagCnt'")) {
            assertTrue(broken.output().contains(expected), "reports " + expected + ": " + broken.output());
        }
    }

    /** Every CODEACT_ variable a manifest sets (the Secret's keys included) is one of the application's settings. */
    @Test
    void everyVariableTheManifestsSetIsARealSetting() throws Exception {
        List<Pattern> settings = settings();
        Properties properties = new Properties();
        try (var in = Files.newInputStream(Path.of("src/main/resources/application.properties"))) {
            properties.load(in);
        }
        Set<String> quarkus = new TreeSet<>();
        properties.stringPropertyNames().forEach(p -> quarkus.add(env(p)));
        Set<String> seen = new TreeSet<>();
        for (JsonNode env : allEnv()) {
            seen.add(env.asText());
        }
        String secret = Files.readString(Path.of("k8s/secret.example.yaml"));
        java.util.regex.Matcher keys = Pattern.compile("(?m)^  ([A-Z_]+):").matcher(secret);
        while (keys.find()) {
            seen.add(keys.group(1));
        }
        assertTrue(seen.contains("CODEACT_AUTH_API_KEYS") && seen.contains("CODEACT_ROLES"), seen.toString());
        for (String name : seen) {
            if (name.startsWith("QUARKUS_")) {
                assertTrue(quarkus.contains(name), name + " is not a setting of application.properties");
            } else {
                assertTrue(settings.stream().anyMatch(s -> s.matcher(name).matches()), name + " is not a codeact setting");
            }
        }
    }

    /** Containers listen where the application does, probes ask its health endpoints, Services reach named ports. */
    @Test
    void portsProbesServicesAndSelectorsLineUp() throws Exception {
        for (String name : List.of("gateway", "worker")) {
            JsonNode pod = named("Deployment", name).at("/spec/template");
            JsonNode container = pod.at("/spec/containers/0");
            assertEquals(8080, container.at("/ports/0/containerPort").asInt(), "quarkus.http.port's default");
            assertEquals("/q/health/ready", container.at("/readinessProbe/httpGet/path").asText());
            assertEquals("/q/health/live", container.at("/livenessProbe/httpGet/path").asText());
            assertEquals(container.at("/ports/0/name").asText(), container.at("/readinessProbe/httpGet/port").asText());
            assertEquals(pod.at("/metadata/labels"), named("Deployment", name).at("/spec/selector/matchLabels"));
        }
        for (JsonNode service : kind("Service")) {
            JsonNode selector = service.at("/spec/selector");
            List<JsonNode> pods = Stream.concat(kind("Deployment").stream(), kind("StatefulSet").stream())
                    .map(d -> d.at("/spec/template")).filter(t -> t.at("/metadata/labels").equals(selector)).toList();
            assertEquals(1, pods.size(), service.at("/metadata/name") + " selects one workload");
            String target = service.at("/spec/ports/0/targetPort").asText();
            assertTrue(pods.get(0).at("/spec/containers/0/ports").findValuesAsText("name").contains(target),
                    service.at("/metadata/name") + " targets a port its pods name");
        }
    }

    /** KEDA scales the worker Deployment on the shared job stream's consumer group, at a Redis it may reach. */
    @Test
    void kedaReadsTheJobStreamFromARedisItMayReach() throws Exception {
        JsonNode scaled = named("ScaledObject", "worker");
        assertEquals("worker", scaled.at("/spec/scaleTargetRef/name").asText());
        named("Deployment", "worker");
        JsonNode trigger = scaled.at("/spec/triggers/0/metadata");
        assertEquals(new RedisKeys("codeact:", 1).jobStreams().get(0), trigger.get("stream").asText());
        assertEquals(RedisKeys.WORKER_GROUP, trigger.get("consumerGroup").asText());
        String[] address = trigger.get("address").asText().split(":");
        assertEquals("redis.codeact.svc", address[0]);
        assertEquals(named("Service", "redis").at("/spec/ports/0/port").asText(), address[1]);
        JsonNode from = named("NetworkPolicy", "redis-clients").at("/spec/ingress/0/from");
        boolean keda = false;
        for (JsonNode peer : from) {
            keda |= "keda".equals(peer.at("/namespaceSelector/matchLabels/kubernetes.io~1metadata.name").asText())
                    && "keda-operator".equals(peer.at("/podSelector/matchLabels/app").asText());
        }
        assertTrue(keda, "the KEDA operator may reach Redis, or it reads no lag: " + from);
    }

    /**
     * The serverless variant (k8s/knative): the gateway as a Knative Service in place of its
     * Deployment, Service, autoscaler and budget, valid against Knative's schema, scaling to zero
     * on open sessions, set with real settings, the rest of k8s/ unchanged.
     */
    @Test
    void theKnativeVariantReplacesTheGatewayAndScalesToZero() throws Exception {
        Path work = Path.of("target/k8s-check-knative");
        Run checked = validate(render("k8s/knative"), work);
        assertEquals(0, checked.exit(), checked.output());
        List<JsonNode> variant = new ArrayList<>();
        JSON.readTree(work.resolve("manifests.json").toFile()).forEach(variant::add);
        List<String> ids = variant.stream().map(d -> d.get("apiVersion").asText() + " " + d.get("kind").asText() + "/"
                + d.at("/metadata/name").asText()).toList();
        assertTrue(ids.contains("serving.knative.dev/v1 Service/gateway"), ids.toString());
        for (String gone : List.of("apps/v1 Deployment/gateway", "v1 Service/gateway", "autoscaling/v2 HorizontalPodAutoscaler/gateway",
                "policy/v1 PodDisruptionBudget/gateway")) {
            assertTrue(!ids.contains(gone), gone + " is Knative's job here: " + ids);
        }
        assertTrue(ids.contains("apps/v1 Deployment/worker") && ids.contains("keda.sh/v1alpha1 ScaledObject/worker"), ids.toString());
        JsonNode template = variant.get(ids.indexOf("serving.knative.dev/v1 Service/gateway")).at("/spec/template");
        assertEquals("0", template.at("/metadata/annotations/autoscaling.knative.dev~1min-scale").asText(), "scales to zero");
        assertEquals("concurrency", template.at("/metadata/annotations/autoscaling.knative.dev~1metric").asText());
        assertEquals(0, template.at("/spec/containerConcurrency").asInt(), "a soft target, no hard limit per pod");
        JsonNode container = template.at("/spec/containers/0");
        assertEquals(8080, container.at("/ports/0/containerPort").asInt());
        assertEquals("/q/health/ready", container.at("/readinessProbe/httpGet/path").asText());
        List<Pattern> settings = settings();
        for (JsonNode env : container.path("env")) {
            String name = env.get("name").asText();
            assertTrue(name.startsWith("QUARKUS_") || settings.stream().anyMatch(s -> s.matcher(name).matches()), name);
        }
        assertTrue(template.at("/spec/securityContext/runAsUser").asInt() > 0);
    }

    /**
     * Stopping a pod leaves room for its drain: the preStop pause, then a worker's shutdown grace
     * (running actions finish or are handed back) or a gateway's telling its clients to go, with
     * ten seconds to spare for closing sandboxes and connections.
     */
    @Test
    void theGracePeriodsCoverTheDrain() throws Exception {
        long workerGrace = seconds(WorkerConfig.class.getMethod("shutdownGrace").getAnnotation(WithDefault.class).value());
        for (String name : List.of("gateway", "worker")) {
            JsonNode pod = named("Deployment", name).at("/spec/template/spec");
            long preStop = pod.at("/containers/0/lifecycle/preStop/sleep/seconds").asLong();
            assertTrue(preStop > 0, name + " pauses before it stops: the endpoints drop it first");
            long drain = name.equals("worker") ? workerGrace : GatewayLifecycle.CLOSE_WAIT.toSeconds();
            assertTrue(pod.path("terminationGracePeriodSeconds").asLong() >= preStop + drain + 10,
                    name + ": " + pod.path("terminationGracePeriodSeconds") + " s for " + preStop + " + " + drain + " s");
        }
    }

    private static long seconds(String duration) {
        return Duration.parse("PT" + duration.toUpperCase()).toSeconds();
    }

    /** A StatefulSet's serviceName must be a headless Service (per-pod DNS names). */
    @Test
    void redisHasAHeadlessServiceForItsStatefulSet() throws Exception {
        String serviceName = named("StatefulSet", "redis").at("/spec/serviceName").asText();
        assertEquals("None", named("Service", serviceName).at("/spec/clusterIP").asText());
    }

    /** runAsNonRoot with a uid, whatever the image says; the worker is the one exception (below). */
    @Test
    void everyPodButTheWorkersRunsAsAUidThatIsNotRoot() throws Exception {
        for (JsonNode workload : Stream.concat(kind("Deployment").stream(), kind("StatefulSet").stream()).toList()) {
            JsonNode security = workload.at("/spec/template/spec/securityContext");
            String name = workload.at("/metadata/name").asText();
            if (name.equals("worker")) {
                continue;
            }
            assertTrue(security.path("runAsNonRoot").asBoolean(), name);
            assertTrue(security.path("runAsUser").asInt() > 0, name + " names a uid other than root");
            for (JsonNode container : workload.at("/spec/template/spec/containers")) {
                assertEquals("false", container.at("/securityContext/allowPrivilegeEscalation").asText("false"), name);
            }
        }
    }

    /**
     * Each session in its own gVisor sandbox: the worker runs runsc (root, privileged: it builds
     * sandboxes and their cgroups), and not inside a gVisor pod, where runsc cannot start.
     * ContainerImagesIT runs the worker image this way under podman.
     */
    @Test
    void theWorkerGivesEachSessionItsOwnGvisorSandbox() throws Exception {
        JsonNode pod = named("Deployment", "worker").at("/spec/template/spec");
        JsonNode container = pod.at("/containers/0");
        assertTrue(pod.path("runtimeClassName").isMissingNode(), "no gVisor RuntimeClass: gVisor does not nest");
        assertTrue(container.at("/securityContext/privileged").asBoolean());
        assertEquals(0, container.at("/securityContext/runAsUser").asInt(-1));
        List<String> sandbox = new ArrayList<>();
        container.path("env").forEach(e -> {
            if (e.get("name").asText().equals("CODEACT_WORKER_SANDBOX")) {
                sandbox.add(e.get("value").asText());
            }
        });
        assertEquals(List.of(WorkerConfig.SandboxMode.RUNSC.label()), sandbox);
    }

    private List<JsonNode> allEnv() throws IOException, InterruptedException {
        List<JsonNode> names = new ArrayList<>();
        for (JsonNode workload : Stream.concat(kind("Deployment").stream(), kind("StatefulSet").stream()).toList()) {
            for (JsonNode container : workload.at("/spec/template/spec/containers")) {
                container.path("env").forEach(e -> names.add(e.get("name")));
            }
        }
        return names;
    }

    /** The environment-variable form of every setting of the application's @ConfigMapping interfaces. */
    static List<Pattern> settings() throws Exception {
        List<Pattern> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(Path.of("src/main/java/dev/codeact/config"))) {
            for (Path file : files.toList()) {
                Class<?> type = Class.forName("dev.codeact.config." + file.getFileName().toString().replace(".java", ""));
                ConfigMapping mapping = type.getAnnotation(ConfigMapping.class);
                if (mapping != null) {
                    collect(type, Pattern.quote(env(mapping.prefix())), out);
                }
            }
        }
        assertTrue(out.size() > 50, "the settings were found: " + out.size());
        return out;
    }

    private static void collect(Class<?> group, String prefix, List<Pattern> out) {
        for (Method m : group.getMethods()) {
            if (m.getParameterCount() > 0 || m.isDefault() || java.lang.reflect.Modifier.isStatic(m.getModifiers())) {
                continue;
            }
            String name = prefix + "_" + Pattern.quote(env(m.getName().replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase()));
            Type type = m.getGenericReturnType();
            Class<?> raw = m.getReturnType();
            if (raw == Map.class && type instanceof ParameterizedType p && p.getActualTypeArguments()[1] instanceof Class<?> value
                    && isGroup(value)) {
                collect(value, name + "_[A-Z0-9_]+", out);
            } else if (raw == Map.class) {
                out.add(Pattern.compile(name + "_[A-Z0-9_]+"));
            } else if (isGroup(raw)) {
                collect(raw, name, out);
            } else {
                out.add(Pattern.compile(name));
            }
        }
    }

    private static boolean isGroup(Class<?> type) {
        return type.isInterface() && type.getPackageName().startsWith("dev.codeact") && type != Optional.class && type != Duration.class;
    }

    static String env(String property) {
        return property.toUpperCase().replaceAll("[^A-Z0-9]", "_");
    }
}
