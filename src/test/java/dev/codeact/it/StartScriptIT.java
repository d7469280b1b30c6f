package dev.codeact.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The README's start command, as a user runs it: bin/codeact with no model configured starts
 * Redis and gateway + worker, serves the page, stops everything on Ctrl-C (SIGINT to its process
 * group), and a second start finds the first one's sessions again.
 */
class StartScriptIT {

    static final Path RUN = Path.of("target", "start-script-run").toAbsolutePath();
    static final List<Process> STARTED = new ArrayList<>();

    /**
     * Whatever an assertion left running goes, Redis included (it is a daemon that a later start
     * would reuse): each test starts from nothing.
     */
    @AfterEach
    void stopLeftovers() throws Exception {
        for (Process p : STARTED) {
            if (p.isAlive()) {
                new ProcessBuilder("kill", "-KILL", "--", "-" + p.pid()).start().waitFor();
            }
        }
        STARTED.clear();
        Path pidfile = RUN.resolve("redis/redis.pid");
        if (Files.exists(pidfile)) {
            new ProcessBuilder("kill", Files.readString(pidfile).strip()).start().waitFor();
            Files.delete(pidfile);
        }
    }

    record Started(Process process, int httpPort, Path log) {}

    static Started start(String name) throws Exception {
        int port = RedisServer.freePort();
        Path log = Files.createDirectories(Path.of("target", "it-logs")).resolve(name + ".log");
        // As from a terminal: its own process group, and SIGINT not ignored (a test run started in
        // the background of a script inherits an ignored SIGINT, which no shell can trap again).
        ProcessBuilder builder = new ProcessBuilder("setsid", "env", "--default-signal=INT", "bin/codeact")
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().put("QUARKUS_HTTP_PORT", Integer.toString(port));
        builder.environment().put("CODEACT_RUN_DIR", RUN.toString());
        builder.environment().remove("CODEACT_LLM_BASE_URL");
        Process process = builder.start();
        STARTED.add(process);
        HttpClient http = HttpClient.newHttpClient();
        // A bound, not a margin: a first start trains its AOT cache (20 s here, minutes on a loaded
        // machine); a start that fails ends the process, which ends the wait at once.
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        while (System.nanoTime() < deadline) {
            try {
                if (http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                    return new Started(process, port, log);
                }
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
            if (!process.isAlive()) {
                break;
            }
        }
        throw new AssertionError("bin/codeact did not serve the page:\n" + Files.readString(log));
    }

    /** Ctrl-C: SIGINT to the whole process group, as a terminal does. */
    static void interrupt(Started s) throws Exception {
        new ProcessBuilder("kill", "-INT", "--", "-" + s.process().pid()).start().waitFor();
        assertTrue(s.process().waitFor(60, TimeUnit.SECONDS), "bin/codeact stopped on Ctrl-C");
    }

    static boolean listening(int port) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void startsEverythingStopsEverythingAndASecondStartReusesIt() throws Exception {
        Started first = start("start-script-1");
        String out = Files.readString(first.log());
        assertTrue(out.contains("redis-server on 127.0.0.1:"), out);
        assertTrue(out.contains("no model configured"), out);
        assertTrue(out.contains("http://localhost:" + first.httpPort() + "/"), "prints the page's URL");
        HttpClient http = HttpClient.newHttpClient();
        String info = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + first.httpPort() + "/v1/info")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertTrue(info.contains("\"model_configured\":false"), info);
        // Ready means the worker's sandboxes start too (its run folder is private: umask 077).
        HttpResponse<String> ready = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + first.httpPort()
                + "/q/health/ready")).build(), HttpResponse.BodyHandlers.ofString());
        for (int i = 0; i < 100 && ready.statusCode() != 200; i++) {
            Thread.sleep(200);
            ready = http.send(ready.request(), HttpResponse.BodyHandlers.ofString());
        }
        assertEquals(200, ready.statusCode(), ready.body());
        assertFalse(Files.readString(first.log()).contains("did not start"), Files.readString(first.log()));
        assertFalse(Files.readString(first.log()).contains("has been already registered"), "no meter is registered twice: "
                + Files.readString(first.log()));

        String id;
        try (WsClient ws = WsClient.connect("ws://127.0.0.1:" + first.httpPort() + "/v1/sessions")) {
            id = ws.next("session", 60_000).get("session").asText();
            ws.sendJson("type", "user_message", "text", "anyone there?");
            assertEquals("no_model", ws.next("error", 10_000).get("code").asText());
            ws.next("turn_end", 10_000);
        }
        int redisPort = Integer.parseInt(Files.readString(RUN.resolve("redis/port")).strip());
        assertTrue(listening(redisPort));

        Process unauthenticated = new ProcessBuilder("redis-cli", "-p", Integer.toString(redisPort), "ping")
                .redirectErrorStream(true).start();
        String refused = new String(unauthenticated.getInputStream().readAllBytes());
        assertTrue(refused.contains("NOAUTH"), "its Redis wants the password of the run folder: " + refused);

        interrupt(first);
        assertFalse(listening(redisPort), "its Redis stopped too");
        // The saved sessions are private to the user who started it.
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(RUN)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(RUN.resolve("redis"))));
        for (String file : new String[] {"dump.rdb", "password", "redis.conf", "redis.log"}) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(RUN.resolve("redis/" + file))),
                    file);
        }
        assertFalse(listening(first.httpPort()));
        assertTrue(Files.readString(first.log()).contains("codeact: stopped"));

        Started second = start("start-script-2");
        try {
            assertFalse(Files.readString(second.log()).contains("building"), "the build is reused");
            try (WsClient ws = WsClient.connect("ws://127.0.0.1:" + second.httpPort() + "/v1/sessions/" + id + "?last_seq=0")) {
                JsonNode replayed = ws.next("turn_end", 10_000);
                assertEquals("error", replayed.get("reason").asText(), "the session of the first start is still there");
            }
        } finally {
            interrupt(second);
        }
    }
}
