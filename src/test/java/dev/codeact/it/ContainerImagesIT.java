package dev.codeact.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The images as {@code bin/images} builds them (a base made here from Debian packages, the
 * application on it), pushed to a registry on loopback, pulled and run with podman: the gateway
 * under runsc (gVisor), the worker under runc with runsc inside it, so that each session gets its
 * own gVisor sandbox (the design k8s/ deploys). A WebSocket client runs turns through both
 * containers, and the abuse suite's cross-session cases run against the containerised worker.
 */
@ExtendWith(Tally.class)
class ContainerImagesIT {

    static Path dir;
    static Process registry;
    static RedisServer redis;
    static ScriptedModel model;
    static String image;
    static int gatewayPort;
    static final List<String> containers = new ArrayList<>();

    @BeforeAll
    static void buildPushPullAndRun() throws Exception {
        dir = Files.createTempDirectory("codeact-images");
        int registryPort = RedisServer.freePort();
        Files.writeString(dir.resolve("registry.yml"), """
                version: 0.1
                storage: {filesystem: {rootdirectory: %s}}
                http: {addr: 127.0.0.1:%d}
                """.formatted(dir.resolve("registry"), registryPort));
        registry = new ProcessBuilder("docker-registry", "serve", dir.resolve("registry.yml").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("registry.log").toFile()).start();
        RedisClusterIT.awaitPort(registryPort);

        String built = run(Limit.BUILD, "bin/images", "--no-build", "127.0.0.1:" + registryPort);
        image = built.lines().filter(l -> l.startsWith("bin/images: pushed ") && l.contains("/codeact-gateway:"))
                .map(l -> l.substring("bin/images: pushed ".length())).findFirst().orElseThrow(() -> new AssertionError(built));
        // A fresh store: the image comes from the registry, not from bin/images' own storage.
        run(Limit.PULL, podman("pull", "--quiet", "--tls-verify=false", image));

        redis = RedisServer.start();
        model = new ScriptedModel();
        gatewayPort = RedisServer.freePort();
        containers.add(run(Limit.START, podman("run", "--detach", "--runtime", "runsc", "--runtime-flag", "network=host",
                "--network", "host", "--ulimit", "nofile=20000:20000", "--ulimit", "nproc=4096:4096",
                "-e", "CODEACT_ROLES=gateway", "-e", "CODEACT_INSTANCE_ID=image-gateway",
                "-e", "QUARKUS_HTTP_PORT=" + gatewayPort, "-e", "QUARKUS_REDIS_HOSTS=" + redis.url(),
                "-e", "CODEACT_LLM_BASE_URL=" + model.baseUrl(), image)).strip());
        // The worker's runsc needs root, the capabilities to build sandboxes and a writable cgroup
        // tree (each sandbox's CPU and memory limits): a privileged container, as k8s/base/worker.yaml.
        containers.add(run(Limit.START, podman("run", "--detach", "--runtime", "runc", "--privileged", "--user", "0",
                "--network", "host", "--ulimit", "nofile=20000:20000", "--ulimit", "nproc=4096:4096",
                "-e", "CODEACT_ROLES=worker", "-e", "CODEACT_INSTANCE_ID=image-worker", "-e", "CODEACT_WORKER_SANDBOX=runsc",
                "-e", "CODEACT_WORKER_WARM_POOL=1", "-e", "QUARKUS_HTTP_PORT=" + RedisServer.freePort(),
                "-e", "QUARKUS_REDIS_HOSTS=" + redis.url(), image)).strip());
        awaitLog(containers.get(1), "reading", 180_000);
        awaitReady(180_000);
    }

    @AfterAll
    static void stopAll() throws Exception {
        Path logs = Files.createDirectories(Path.of("target", "it-logs"));
        for (String id : containers) {
            Files.writeString(logs.resolve("image-" + id.substring(0, 12) + ".log"), logsOf(id));
            run(Limit.START, podman("rm", "--force", "--time", "5", id));
        }
        if (model != null) {
            model.close();
        }
        if (redis != null) {
            redis.close();
        }
        if (registry != null) {
            registry.destroy();
        }
        if (dir != null) {
            try (Stream<Path> all = Files.walk(dir)) {
                all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    enum Limit {
        BUILD(30), PULL(10), START(3);

        final long minutes;

        Limit(long minutes) {
            this.minutes = minutes;
        }
    }

    static String[] podman(String... args) {
        List<String> command = new ArrayList<>(List.of("podman", "--storage-driver", "vfs", "--root", dir.resolve("storage").toString(),
                "--runroot", dir.resolve("runroot").toString(), "--cgroup-manager", "cgroupfs"));
        command.addAll(List.of(args));
        return command.toArray(String[]::new);
    }

    /** Runs a command to its end; returns its output, or fails with it. */
    static String run(Limit limit, String... command) throws IOException, InterruptedException {
        Path out = Files.createTempFile(dir, "out", ".txt");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        if (!p.waitFor(limit.minutes, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " ran longer than " + limit.minutes + " min:\n" + Files.readString(out));
        }
        String output = Files.readString(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), String.join(" ", command) + ":\n" + output);
        return output;
    }

    static String logsOf(String container) throws IOException, InterruptedException {
        return run(Limit.START, podman("logs", container));
    }

    static void awaitLog(String container, String text, long timeoutMs) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!logsOf(container).contains(text)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no '" + text + "' in the container's log:\n" + logsOf(container));
            }
            Thread.sleep(500);
        }
    }

    static void awaitReady(long timeoutMs) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (true) {
            try {
                if (http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gatewayPort + "/q/health/ready")).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // the gateway is still starting
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the gateway container never got ready:\n" + logsOf(containers.get(0)));
            }
            Thread.sleep(500);
        }
    }

    static URI sessions() {
        return URI.create("http://127.0.0.1:" + gatewayPort + "/v1/sessions");
    }

    @Test
    void aTurnRunsThroughTheContainerisedGatewayAndWorkerInAGvisorSandbox() throws Exception {
        try (WsClient ws = WsClient.openSession(sessions())) {
            // Every library of bin/sandbox-packages, used once (the image's base dropped scipy's build tools).
            List<JsonNode> obs = RealParts.runCode(model, ws, 120_000, """
                    import numpy, pandas, scipy.linalg, sympy, sklearn.linear_model, seaborn, matplotlib.pyplot as plt
                    fit = sklearn.linear_model.LinearRegression().fit([[0], [1], [2]], [1, 3, 5])
                    print(int(numpy.arange(4).sum()), pandas.Series([1, 2]).mean(), scipy.linalg.det([[2, 0], [0, 3]]),
                          sympy.factor('x**2 - 1'), round(float(fit.coef_[0]), 6), len(seaborn.color_palette()))
                    plt.plot([1, 2, 3])
                    plt.show()
                    """);
            JsonNode result = obs.get(0).get("result");
            assertEquals("6 1.5 6.0 (x - 1)*(x + 1) 2.0 10\n", result.get("output").asText(), obs.toString());
            assertTrue(result.get("displays").get(0).get("data").has("image/png"), "a real figure came back: " + result);
            assertEquals("runsc", result.get("sandbox").asText(), "each session in its own gVisor sandbox");
        }
        assertTrue(logsOf(containers.get(0)).contains("Profile prod activated"), "the gateway runs the image's prod build");
    }

    /** Both containers' JVMs run with what bin/jvm-options prints in them (sized from their memory limit, if any). */
    @Test
    void bothRolesStartWithTheShippedJvmOptions() throws Exception {
        for (String id : containers) {
            List<String> shipped = List.of(run(Limit.START, podman("exec", id, "/work/bin/jvm-options", "/work/app")).strip().split(" "));
            List<String> running = List.of(run(Limit.START, podman("exec", id, "cat", "/proc/1/cmdline")).split("\0"));
            assertTrue(shipped.stream().anyMatch(o -> o.startsWith("-Xmx")), shipped.toString());
            assertEquals(shipped, running.subList(1, 1 + shipped.size()), "java, then the shipped options: " + running);
        }
    }

    /**
     * The image's Java is 25 and its AOT cache was made for it and for the image's files: with
     * {@code -XX:AOTMode=on} a JVM that cannot use the cache (another JVM build, a jar of another
     * time or size) refuses to start.
     */
    @Test
    void theImagesJavaStartsFromTheAotCacheTrainedForIt() throws Exception {
        String id = containers.get(0);
        String shipped = run(Limit.START, podman("exec", id, "/work/bin/jvm-options", "/work/app")).strip();
        assertTrue(shipped.contains("-XX:AOTCache=app.aot"), shipped);
        String version = run(Limit.START, podman("exec", "--workdir", "/work/app", id, "/bin/sh", "-c",
                "exec java " + shipped + " -XX:AOTMode=on -cp quarkus-run.jar -version 2>&1"));
        assertTrue(version.contains("version \"25"), version);
    }

    @Test
    @Tag("abuse")
    void anotherSessionsFilesAndProcessesAreOutOfReachInTheWorkerImage() throws Exception {
        new CrossSession(model, sessions(), 120_000).filesAndProcessesAreOutOfReach();
    }

    @Test
    @Tag("abuse")
    void killingEveryProcessItCanLeavesAnotherSessionAloneInTheWorkerImage() throws Exception {
        new CrossSession(model, sessions(), 120_000).killingEveryProcessItCanLeavesAnotherSessionAlone();
    }
}
