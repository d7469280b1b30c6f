package dev.codeact.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codeact.it.ScriptedModel.Reply;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Redis dies (kill -9) in the middle of a streamed reply and comes back on the same port: events
 * wait in the gateway meanwhile (a client sees only what the log holds), the event log catches up
 * once Redis is back (writes are retried, and idempotent, so none is stored twice) and the client
 * with it, and a client that resumes from the start gets exactly what the first one saw. The session then goes on, actions included.
 */
@ExtendWith(Tally.class)
class RedisRestartIT {

    @Test
    @Tag("fault")
    void aRedisRestartMidStreamLosesAndDuplicatesNothing() throws Exception {
        int redisPort = RedisServer.freePort();
        Path dir = Files.createTempDirectory("codeact-redis-restart");
        RedisServer redis = RedisServer.start(redisPort, dir, true);
        try (ScriptedModel model = new ScriptedModel()) {
            int port = RedisServer.freePort();
            try (AppProcess app = AppProcess.start("redis-restart-app", Map.of(
                    "quarkus.redis.hosts", "redis://127.0.0.1:" + redisPort,
                    "quarkus.http.port", Integer.toString(port),
                    "codeact.llm.base-url", model.baseUrl(),
                    "codeact.queue.block-timeout", "500ms",
                    "codeact.worker.run-dir", Path.of("target", "it-run").toAbsolutePath().toString()))) {
                app.awaitLog("reading", 30_000);
                model.enqueue(Reply.of("tok ".repeat(600)).chunk(4).delay(5), Reply.of("<execute>print('after')</execute>"),
                        Reply.of("Still here."));
                String base = "ws://127.0.0.1:" + port + "/v1/sessions";
                try (WsClient first = WsClient.connect(base)) {
                    String id = first.next("session", 60_000).get("session").asText();
                    first.sendJson("type", "user_message", "text", "talk through an outage");
                    first.next(e -> e.path("seq").asLong() >= 100, 20_000, "the 100th event");
                    redis.kill();
                    Thread.sleep(1000); // events wait for Redis: what a client sees is what the log holds
                    redis = RedisServer.start(redisPort, dir, true);
                    List<JsonNode> rest = first.untilTurnEnd(60_000);
                    assertEquals("answer", rest.get(rest.size() - 1).get("reason").asText());
                    CodeActTurnTest.assertContiguous(first.all());

                    Tally.auditReplay(base + "/" + id, first.all());
                    first.sendJson("type", "user_message", "text", "and now code");
                    List<JsonNode> next = first.untilTurnEnd(60_000);
                    assertEquals("after", CodeActTurnTest.ofType(next, "observation").get(0).get("text").asText());
                }
            }
        } finally {
            redis.close();
        }
    }

    /**
     * A durable Redis in its own folder, the scripted model, gateway + worker on them and a client
     * with a new session: what the outage tests share.
     */
    static final class Outage implements AutoCloseable {
        final int redisPort = RedisServer.freePort();
        final Path dir = Files.createTempDirectory("codeact-redis-outage");
        RedisServer redis = RedisServer.start(redisPort, dir, true);
        final ScriptedModel model = new ScriptedModel();
        final AppProcess app;
        final WsClient ws;
        final String session;

        Outage(String name, String retryWindow) throws Exception {
            int port = RedisServer.freePort();
            app = AppProcess.start(name, Map.of(
                    "quarkus.redis.hosts", "redis://127.0.0.1:" + redisPort,
                    "quarkus.http.port", Integer.toString(port),
                    "codeact.llm.base-url", model.baseUrl(),
                    "codeact.queue.block-timeout", "500ms",
                    "codeact.queue.retry-window", retryWindow,
                    // The default heartbeat TTL: an outage longer than it costs a worker with no peer nothing.
                    "codeact.worker.run-dir", Path.of("target", "it-run").toAbsolutePath().toString()));
            app.awaitLog("reading", 30_000);
            ws = WsClient.connect("ws://127.0.0.1:" + port + "/v1/sessions");
            session = "ws://127.0.0.1:" + port + "/v1/sessions/" + ws.next("session", 60_000).get("session").asText();
        }

        /** Starts the action that prints a line every 0.4 s, and waits for its first line. */
        void countSlowly(Reply... after) throws InterruptedException {
            model.enqueue(Reply.of("<execute>\nimport time\nfor i in range(8):\n    print('line', i, flush=True)\n"
                    + "    time.sleep(0.4)\n"));
            model.enqueue(after);
            ws.sendJson("type", "user_message", "text", "count slowly");
            ws.next("observation_chunk", 30_000);
        }

        @Override
        public void close() throws Exception {
            ws.close();
            app.close();
            model.close();
            redis.close();
        }
    }

    /** Redis restarts while an action prints: every line arrives once, and so does the observation. */
    @Test
    @Tag("fault")
    void aRedisRestartMidActionLosesNoOutputAndNoObservation() throws Exception {
        try (Outage o = new Outage("redis-action-app", "30s")) {
            o.countSlowly(Reply.of("Counted."));
            o.redis.kill();
            Thread.sleep(2000);
            o.redis = RedisServer.start(o.redisPort, o.dir, true);
            List<JsonNode> events = o.ws.untilTurnEnd(60_000);
            StringBuilder expected = new StringBuilder();
            for (int i = 0; i < 8; i++) {
                expected.append("line ").append(i).append('\n');
            }
            Tally.auditLines(expected.toString(), CodeActTurnTest.text(o.ws.all(), "observation_chunk", "text"));
            JsonNode observation = CodeActTurnTest.ofType(events, "observation").get(0);
            assertEquals(expected.toString(), observation.get("result").get("output").asText());
            assertEquals("answer", events.get(events.size() - 1).get("reason").asText());
            Tally.auditReplay(o.session, o.ws.all());
        }
    }

    /**
     * Redis stays away past the retry window: the client hears storage at once (seq 0: the log it
     * would wait for is away), not after the result timeout; once Redis is back the turn's end is
     * stored and arrives, and the log holds what the client saw.
     */
    @Test
    @Tag("fault")
    void aLongOutageEndsTheTurnWithStorageSoon() throws Exception {
        try (Outage o = new Outage("redis-outage-app", "3s")) {
            o.countSlowly();
            o.redis.kill();
            long killed = System.nanoTime();
            // The result timeout is 180 s; the retry window (3 s) decides.
            JsonNode error = o.ws.next(e -> "error".equals(e.path("type").asText()), 60_000, "an error");
            Tally.note(String.format("retry window 3 s: the client heard storage %.1f s after Redis went away",
                    (System.nanoTime() - killed) / 1e9));
            assertEquals("storage", error.get("code").asText(), error.toString());
            assertEquals(0, error.get("seq").asLong(), "told at once, outside the log");
            o.redis = RedisServer.start(o.redisPort, o.dir, true);
            List<JsonNode> events = o.ws.untilTurnEnd(60_000);
            assertEquals("error", events.get(events.size() - 1).get("reason").asText());
            Tally.auditReplay(o.session, o.ws.all());
        }
    }
}
