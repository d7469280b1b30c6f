package dev.codeact.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codeact.it.ScriptedModel.Reply;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Redis that refuses writes — its append-only file on a small tmpfs that fills up, so it answers
 * {@code MISCONF} — while a turn streams: the turn ends with {@code storage} within the retry
 * window, readiness goes down, new sessions and turns are refused with {@code storage} (HTTP 503
 * and {@code Retry-After}); once the disk has room again everything recovers by itself, and what
 * the client saw is in the log.
 */
@ExtendWith(Tally.class)
class StorageRefusedIT {

    @Test
    @Tag("fault")
    void aRedisThatRefusesWritesEndsTheTurnWithStorageAndEverythingRecovers() throws Exception {
        Path dir = Files.createTempDirectory("codeact-redis-full");
        mount(dir);
        try {
            int redisPort = RedisServer.freePort();
            RedisServer redis = RedisServer.start(redisPort, dir, true);
            try (redis; ScriptedModel model = new ScriptedModel()) {
                int port = RedisServer.freePort();
                try (AppProcess app = AppProcess.start("storage-refused-app", Map.of(
                        "quarkus.redis.hosts", "redis://127.0.0.1:" + redisPort,
                        "quarkus.http.port", Integer.toString(port),
                        "codeact.llm.base-url", model.baseUrl(),
                        "codeact.queue.block-timeout", "500ms",
                        "codeact.queue.retry-window", "3s",
                        "codeact.worker.run-dir", Path.of("target", "it-run").toAbsolutePath().toString()))) {
                    app.awaitLog("reading", 30_000);
                    URI http = URI.create("http://127.0.0.1:" + port);
                    awaitStatus(http.resolve("/q/health/ready"), 200); // its warm sandbox may still be starting
                    model.enqueue(Reply.of("tok ".repeat(2000)).chunk(4).delay(10), Reply.of("Back."));
                    String base = "ws://127.0.0.1:" + port + "/v1/sessions";
                    try (WsClient ws = WsClient.connect(base)) {
                        String id = ws.next("session", 60_000).get("session").asText();
                        ws.sendJson("type", "user_message", "text", "talk while the disk fills");
                        ws.next("token", 30_000);
                        Path fill = dir.resolve("fill");
                        fillUp(fill);
                        long full = System.nanoTime();

                        JsonNode storage = ws.next(e -> "storage".equals(e.path("code").asText()), 60_000, "a storage error");
                        Tally.note(String.format("retry window 3 s: the client heard storage %.1f s after the disk filled",
                                (System.nanoTime() - full) / 1e9));
                        assertEquals(0, storage.get("seq").asLong(), "told at once, outside the log it could not write");
                        awaitStatus(http.resolve("/q/health/ready"), 503);
                        HttpResponse<String> created = HttpApi.send("POST", http.resolve("/v1/sessions"), null, Map.of("Accept", "application/json"));
                        assertEquals(503, created.statusCode(), created.body());
                        assertEquals("storage", HttpApi.parse(created.body()).get("code").asText());
                        assertTrue(created.headers().firstValue("Retry-After").isPresent(), created.headers().toString());
                        try (WsClient refused = WsClient.connect(base)) {
                            assertEquals("storage", refused.next("error", 10_000).get("code").asText());
                        }

                        Files.delete(fill);
                        awaitStatus(http.resolve("/q/health/ready"), 200);
                        List<JsonNode> rest = ws.untilTurnEnd(60_000);
                        assertEquals("error", rest.get(rest.size() - 1).get("reason").asText());
                        CodeActTurnTest.assertContiguous(ws.all());
                        Tally.auditReplay(base + "/" + id, ws.all());
                        ws.sendJson("type", "user_message", "text", "again");
                        List<JsonNode> next = ws.untilTurnEnd(60_000);
                        assertEquals("answer", next.get(next.size() - 1).get("reason").asText(), "the session goes on");
                    }
                }
            }
        } finally {
            new ProcessBuilder("umount", "-l", dir.toString()).start().waitFor();
        }
    }

    /** A 16 MiB tmpfs: small enough to fill in a moment. */
    static void mount(Path dir) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", dir.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), "mount a tmpfs: " + out);
    }

    /** Writes until the file system is full. */
    static void fillUp(Path file) throws IOException {
        byte[] block = new byte[64 * 1024];
        try (OutputStream out = Files.newOutputStream(file)) {
            while (true) {
                out.write(block);
            }
        } catch (IOException full) {
            // no space left: that is the point
        }
    }

    static void awaitStatus(URI uri, int status) throws Exception {
        java.net.http.HttpResponse<String> last = null;
        for (int i = 0; i < 600; i++) {
            last = HttpApi.send("GET", uri, null, Map.of());
            if (last.statusCode() == status) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError(uri + " answered " + last.statusCode() + ", not " + status + ": " + last.body());
    }
}
