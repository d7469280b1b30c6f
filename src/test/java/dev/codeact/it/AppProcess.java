package dev.codeact.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The packaged application (target/quarkus-app) started as its own JVM, as a gateway or a worker. */
public final class AppProcess implements AutoCloseable {

    private final String name;
    private final Process process;
    private final Path log;

    private AppProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    public static AppProcess start(String name, Map<String, String> properties) throws IOException, InterruptedException {
        String jar = System.getProperty("it.jar", "target/quarkus-app/quarkus-run.jar");
        Path logDir = Files.createDirectories(Path.of("target", "it-logs"));
        Path log = logDir.resolve(name + ".log");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:TieredStopAtLevel=1"));
        properties.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.addAll(List.of("-jar", jar));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        AppProcess app = new AppProcess(name, p, log);
        app.awaitLog("started in", 60_000);
        if (!properties.containsKey("codeact.auth.mode") && !properties.containsKey("quarkus.http.host")) {
            app.awaitLog("local mode: listening", 60_000); // its [::1] relay starts just after the server
        }
        return app;
    }

    /**
     * A worker-only process {@code id} with one warm sandbox, its sandboxes under {@code runDir}
     * and a short heartbeat ({@code interval}, {@code ttl}) so takeovers come soon; {@code props}
     * say where Redis is and anything else. Returns once it reads jobs.
     */
    public static AppProcess worker(String id, Path runDir, String interval, String ttl, Map<String, String> props)
            throws IOException, InterruptedException {
        Map<String, String> all = new java.util.HashMap<>(Map.of("codeact.roles", "worker", "codeact.instance-id", id,
                "codeact.worker.run-dir", runDir.toString(), "codeact.worker.heartbeat-interval", interval,
                "codeact.worker.heartbeat-ttl", ttl, "codeact.worker.warm-pool", "1"));
        all.putAll(props);
        AppProcess w = start(id, all);
        w.awaitLog("reading", 60_000);
        return w;
    }

    public String name() {
        return name;
    }

    public String log() throws IOException {
        return Files.readString(log);
    }

    public void awaitLog(String text, long timeoutMs) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (System.nanoTime() < deadline) {
            if (Files.exists(log) && log().contains(text)) {
                return;
            }
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited (" + process.exitValue() + "):\n" + log());
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException(name + ": no '" + text + "' in its log within " + timeoutMs + " ms:\n" + log());
    }

    public long pid() {
        return process.pid();
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** kill -9: no shutdown hook, no clean-up. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** SIGTERM; returns the exit code. */
    public int terminate(long timeoutMs) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(timeoutMs, TimeUnit.MILLISECONDS)) {
            throw new AssertionError(name + " did not stop within " + timeoutMs + " ms of SIGTERM");
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
