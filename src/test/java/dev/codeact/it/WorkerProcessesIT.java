package dev.codeact.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codeact.it.ScriptedModel.Reply;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Gateway and workers as separate JVMs of the packaged application, around one real redis-server
 * and the scripted model: what happens when a worker dies (kill -9) or is stopped (SIGTERM) in the
 * middle of an action, and when the queue is full.
 */
@ExtendWith(Tally.class)
class WorkerProcessesIT {

    static final Path RUN_DIR = Path.of("target", "it-run").toAbsolutePath();

    static RedisServer redis;
    static ScriptedModel model;
    static AppProcess gateway;
    static int gatewayPort;

    @BeforeAll
    static void startParts() throws Exception {
        redis = RedisServer.start();
        model = new ScriptedModel();
        gatewayPort = RedisServer.freePort();
        gateway = AppProcess.start("gateway", gatewayProps("main:", gatewayPort));
    }

    @AfterAll
    static void stopParts() throws Exception {
        gateway.close();
        model.close();
        redis.close();
    }

    @BeforeEach
    void freshScript() {
        model.reset();
    }

    static Map<String, String> common(String prefix) {
        Map<String, String> props = new HashMap<>();
        props.put("quarkus.redis.hosts", redis.url());
        props.put("codeact.key-prefix", prefix);
        props.put("quarkus.http.port", "0");
        props.put("codeact.queue.block-timeout", "500ms");
        return props;
    }

    /**
     * A gateway that will be killed mid-turn, with the default 30 s turn lease: its sessions are
     * taken over once its heartbeat (3 s) is gone, not its lease.
     */
    static Map<String, String> doomedGatewayProps(int port) {
        return gatewayProps("main:", port);
    }

    /** A gateway-only process on {@code port}, asking the scripted model. */
    static Map<String, String> gatewayProps(String prefix, int port) {
        Map<String, String> props = common(prefix);
        props.put("codeact.roles", "gateway");
        props.put("quarkus.http.port", Integer.toString(port));
        props.put("codeact.llm.base-url", model.baseUrl());
        return props;
    }

    static AppProcess worker(String id, String prefix, Map<String, String> extra) throws Exception {
        Map<String, String> props = common(prefix);
        props.putAll(extra);
        return AppProcess.worker(id, RUN_DIR, "300ms", "3s", props);
    }

    WsClient open() throws InterruptedException {
        WsClient ws = WsClient.connect("ws://127.0.0.1:" + gatewayPort + "/v1/sessions");
        ws.next("session", 60_000);
        return ws;
    }

    static String sessionOf(WsClient ws) {
        return ws.all().get(0).get("session").asText();
    }

    static String sessionUri(WsClient ws) {
        return "ws://127.0.0.1:" + gatewayPort + "/v1/sessions/" + sessionOf(ws);
    }

    /** The worker holding the session's kernel, as the affinity key says (waits until it is set). */
    static String holder(String prefix, String session) throws Exception {
        for (int i = 0; i < 200; i++) {
            String w = RedisCli.call(redis.port(), "GET", prefix + "{" + session + "}:worker");
            if (!w.isEmpty()) {
                return w;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no worker took session " + session);
    }

    /** Connects like the JS client does: a session_elsewhere refusal (a turn just ending) is retried. */
    static WsClient attach(String url) throws InterruptedException {
        for (int attempt = 0; ; attempt++) {
            WsClient ws = WsClient.connect(url);
            JsonNode first;
            try {
                first = ws.next(e -> true, 300, "refusal");
            } catch (AssertionError quiet) {
                return ws; // attached, nothing missed
            }
            if (!"session_elsewhere".equals(first.path("code").asText()) || attempt == 20) {
                ws.pushBack(first);
                return ws;
            }
            ws.close();
            Thread.sleep(100);
        }
    }

    static String processesMentioning(Path dir) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("pgrep", "-af", dir.toString()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        p.waitFor();
        return out;
    }

    /**
     * Starts a turn of two actions, {@code first} leaving state in the session's kernel; once the
     * first is done, returns which of the two workers holds that kernel (the second runs there next).
     */
    static AppProcess kernelHolder(WsClient ws, AppProcess w1, AppProcess w2, String first, String second) throws Exception {
        model.enqueue(Reply.of("<execute>\n" + first + "\n"), Reply.of("<execute>\n" + second + "\n"), Reply.of("Done."));
        ws.sendJson("type", "user_message", "text", "go");
        ws.next("observation", 30_000);
        return holder("main:", sessionOf(ws)).equals(w1.name()) ? w1 : w2;
    }

    /**
     * The worker running code that waits on a client tool is killed: the peer runs the code again,
     * and its call has a new id. The client is told the action restarted; its late answer to the
     * dead run's call gets {@code unknown_tool_call}; its answer to the new call is the one the
     * code gets.
     */
    @Test
    @Tag("fault")
    void aClientToolCallOfAKilledWorkersRunIsSupersededWithANewId() throws Exception {
        try (AppProcess w1 = worker("w-tool-1", "main:", Map.of());
             AppProcess w2 = worker("w-tool-2", "main:", Map.of());
             WsClient ws = open()) {
            model.enqueue(Reply.of("<execute>\nx = 1\n"), Reply.of("<execute>\nprint('price', lookup_price('apple'))\n"),
                    Reply.of("Done."));
            ws.sendJson("type", "user_message", "text", "go", "tools", List.of(ToolsTest.PRICE_TOOL));
            ws.next("observation", 30_000);
            AppProcess victim = holder("main:", sessionOf(ws)).equals(w1.name()) ? w1 : w2;
            JsonNode dead = ws.next("tool_call", 30_000);
            victim.kill();

            JsonNode restart = ws.next("action_restarted", 60_000);
            assertEquals(dead.get("action_id").asText(), restart.get("action_id").asText());
            JsonNode call = ws.next("tool_call", 60_000);
            assertFalse(call.get("call_id").asText().equals(dead.get("call_id").asText()), "a new id for the new run's call");
            ws.sendJson("type", "tool_result", "call_id", dead.get("call_id").asText(), "value", 99);
            JsonNode refused = ws.next(e -> e.path("code").asText().equals("unknown_tool_call"), 30_000, "unknown_tool_call");
            assertEquals(0, refused.get("seq").asLong());
            ws.sendJson("type", "tool_result", "call_id", call.get("call_id").asText(), "value", 21);
            List<JsonNode> events = ws.untilTurnEnd(60_000);
            JsonNode observation = CodeActTurnTest.ofType(events, "observation").get(0);
            assertEquals("price 21\n", observation.get("result").get("output").asText(), observation.toString());
            assertTrue(observation.get("result").get("restarted").asBoolean());
            List<String> ids = CodeActTurnTest.ofType(ws.all(), "tool_call").stream().map(c -> c.get("call_id").asText()).toList();
            assertEquals(ids.size(), ids.stream().distinct().count(), "no call id twice: " + ids);
            Tally.note("tool calls " + ids + ", the dead one's late answer refused");
            Tally.auditReplay(sessionUri(ws), ws.all());
        }
    }

    static void signal(String name, AppProcess process) throws Exception {
        new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).start().waitFor();
    }

    @Test
    @Tag("fault")
    void aWorkerKilledMidActionIsTakenOverOnAFreshKernelAndItsLeftoversAreCleared() throws Exception {
        try (AppProcess w1 = worker("w-kill-1", "main:", Map.of());
             AppProcess w2 = worker("w-kill-2", "main:", Map.of());
             WsClient ws = open()) {
            AppProcess victim = kernelHolder(ws, w1, w2, "x = 41", "import time\ntime.sleep(3)\nprint(x + 1)");
            AppProcess survivor = victim == w1 ? w2 : w1;
            ws.next("action", 30_000);
            Thread.sleep(800); // the second action is running on the victim's kernel
            victim.kill();

            List<JsonNode> events = ws.untilTurnEnd(60_000);
            List<JsonNode> observations = CodeActTurnTest.ofType(events, "observation");
            assertEquals(1, observations.size(), "the action ran to one observation, not zero, not two");
            JsonNode result = observations.get(0).get("result");
            assertTrue(result.get("restarted").asBoolean(), result.toString());
            assertEquals("NameError", result.get("error").get("name").asText(), "fresh kernel: x is gone");
            assertTrue(result.get("notice").asText().contains("worker that held this session's Python interpreter stopped"));
            assertTrue(observations.get(0).get("text").asText().startsWith("[The worker"));
            assertEquals("answer", events.get(events.size() - 1).get("reason").asText());
            Tally.auditReplay(sessionUri(ws), ws.all());
            Thread.sleep(1500); // several takeover rounds: the job must move once, not once per round
            assertEquals(1, survivor.log().split("is gone: took over", -1).length - 1, survivor.log());
            assertTrue(survivor.log().contains("is gone: took over 1 of its jobs"), survivor.log());
            assertFalse(survivor.log().contains("already here"), survivor.log());

            // The dead worker's sandbox state is cleared by the next worker that starts on this host.
            Path deadDir = RUN_DIR.resolve(victim.name());
            try (AppProcess w3 = worker("w-kill-3", "main:", Map.of())) {
                for (int i = 0; i < 100 && Files.exists(deadDir); i++) {
                    Thread.sleep(100);
                }
                assertFalse(Files.exists(deadDir), "state folder of the killed worker removed");
                assertEquals("", processesMentioning(deadDir), "no sandbox of the killed worker is left running");
            }
        }
    }

    @Test
    @Tag("fault")
    void sigtermHandsBackTheRunningActionAndLeavesNothingBehind() throws Exception {
        Map<String, String> quick = Map.of("codeact.worker.shutdown-grace", "500ms");
        try (AppProcess w1 = worker("w-term-1", "main:", quick);
             AppProcess w2 = worker("w-term-2", "main:", quick);
             WsClient ws = open()) {
            model.enqueue(Reply.of("<execute>\nimport time\ntime.sleep(4)\nprint('finished')\n"), Reply.of("Done."));
            ws.sendJson("type", "user_message", "text", "go");
            ws.next("action", 30_000);
            String holderId = holder("main:", sessionOf(ws));
            AppProcess stopped = holderId.equals("w-term-1") ? w1 : w2;
            Thread.sleep(500);
            int code = stopped.terminate(20_000);
            assertTrue(code == 0 || code == 143, "exit code " + code);
            assertTrue(stopped.log().contains("handing back 1 unfinished job"), stopped.log());
            Path dir = RUN_DIR.resolve(holderId);
            assertFalse(Files.exists(dir), "its sandbox state and bundles are removed");
            assertEquals("", processesMentioning(dir), "no runsc process of the stopped worker is left");

            List<JsonNode> events = ws.untilTurnEnd(60_000);
            JsonNode result = CodeActTurnTest.ofType(events, "observation").get(0).get("result");
            assertEquals("finished\n", result.get("output").asText(), "run again by the other worker");
            assertTrue(result.get("restarted").asBoolean());
            Tally.auditReplay(sessionUri(ws), ws.all());
        }
    }

    @Test
    void aFullQueueAnswersOverloadedAndAnUnsandboxedWorkerSaysSoEverywhere() throws Exception {
        // An isolated key space with room for one job and, at first, no worker.
        int port = RedisServer.freePort();
        Map<String, String> props = gatewayProps("iso:", port);
        props.put("codeact.queue.max-jobs", "1");
        try (AppProcess isolated = AppProcess.start("gateway-iso", props);
             WsClient first = WsClient.connect("ws://127.0.0.1:" + port + "/v1/sessions");
             WsClient second = WsClient.connect("ws://127.0.0.1:" + port + "/v1/sessions")) {
            model.enqueue(Reply.of("<execute>print('queued')</execute>"), Reply.of("<execute>print('refused')</execute>"));
            first.sendJson("type", "user_message", "text", "one");
            first.next("action", 10_000);
            Thread.sleep(300);
            second.sendJson("type", "user_message", "text", "two");
            JsonNode error = second.next("error", 10_000);
            assertEquals("overloaded", error.get("code").asText());
            assertEquals("error", second.next("turn_end", 10_000).get("reason").asText());
            assertEquals("1", RedisCli.call(redis.port(), "XLEN", "iso:jobs"), "the first job is still queued, not dropped");

            model.enqueue(Reply.of("ok"));
            try (AppProcess bare = worker("w-none", "iso:", Map.of("codeact.worker.sandbox", "none"))) {
                assertTrue(bare.log().contains("SANDBOX DISABLED"), "a loud warning at start");
                JsonNode result = first.next("observation", 30_000).get("result");
                assertEquals("none", result.get("sandbox").asText());
                assertTrue(result.get("warning").asText().startsWith("UNSANDBOXED"), result.toString());
                assertEquals("queued\n", result.get("output").asText());
            }

            // The rootless fallback: still a gVisor sandbox (its own pid 1, host files behind an
            // overlay), chosen by configuration and said so in every observation.
            model.enqueue(Reply.of("<execute>import os\nprint(os.getpid())\nopen('/usr/overlay-only', 'w').write('x')\n"
                    + "print(os.path.exists('/usr/overlay-only'))\n"), Reply.of("ok"));
            try (AppProcess fallback = worker("w-do", "iso:", Map.of("codeact.worker.sandbox", "runsc-do"));
                 WsClient third = WsClient.connect("ws://127.0.0.1:" + port + "/v1/sessions")) {
                assertTrue(fallback.log().contains("runsc --rootless --network=none do"), fallback.log());
                third.sendJson("type", "user_message", "text", "three");
                JsonNode result = third.next("observation", 30_000).get("result");
                assertEquals("runsc-do", result.get("sandbox").asText());
                assertEquals("1\nTrue\n", result.get("output").asText(), result.toString());
            }
            assertFalse(Files.exists(Path.of("/usr/overlay-only")), "the host never saw the write");
        }
    }

    /**
     * A stranger who knows a session id and tries it on another gateway is refused before that
     * gateway loads or announces the session: the owner's live connection on the first gateway is
     * not moved, and the stranger learns nothing (not even that a turn runs).
     */
    @Test
    @Tag("abuse")
    void aStrangerOnAnotherGatewayDisturbsNothing() throws Exception {
        Map<String, String> keys = Map.of("codeact.auth.mode", "api-key",
                "codeact.auth.api-keys", "alice:alice-key-123,mallory:mallory-key-456");
        int port1 = RedisServer.freePort();
        int port2 = RedisServer.freePort();
        Map<String, String> props1 = gatewayProps("stranger:", port1);
        Map<String, String> props2 = gatewayProps("stranger:", port2);
        props1.putAll(keys);
        props2.putAll(keys);
        try (AppProcess g1 = AppProcess.start("gateway-owner", props1);
             AppProcess g2 = AppProcess.start("gateway-stranger", props2);
             WsClient alice = WsClient.connect("ws://127.0.0.1:" + port1 + "/v1/sessions?access_token=alice-key-123")) {
            String id = alice.next("session", 60_000).get("session").asText();
            model.enqueue(Reply.of("a long answer that is still being written").hangAfter(8));
            alice.sendJson("type", "user_message", "text", "take your time");
            alice.next("token", 10_000);
            try (WsClient mallory = WsClient.connect("ws://127.0.0.1:" + port2 + "/v1/sessions/" + id
                    + "?last_seq=0&access_token=mallory-key-456")) {
                JsonNode refused = mallory.next("error", 10_000);
                assertEquals("forbidden", refused.get("code").asText(), "not session_elsewhere: nothing is revealed");
                Thread.sleep(300);
                assertEquals(1, mallory.all().size());
            }
            alice.sendJson("type", "cancel");
            assertEquals("cancelled", alice.next("turn_end", 10_000).get("reason").asText());
            alice.sendJson("type", "ping", "id", "still mine");
            assertEquals("still mine", alice.next("pong", 5000).get("id").asText());
            assertTrue(alice.all().stream().noneMatch(e -> "session_moved".equals(e.path("code").asText())), alice.all().toString());
            assertFalse(g2.log().contains(id) || g1.log().contains(id), "no session id in the gateways' logs");
        }
    }

    /**
     * A gateway told to stop closes its clients' connections as "going away" (1001: they reconnect,
     * to a peer or to it once it is back) while it still runs, so it logs no error about them.
     */
    @Test
    void aStoppingGatewayClosesItsConnectionsAsGoingAway() throws Exception {
        int port = RedisServer.freePort();
        try (AppProcess stopping = AppProcess.start("gateway-stopping", gatewayProps("main:", port));
             WsClient first = WsClient.connect("ws://127.0.0.1:" + port + "/v1/sessions");
             WsClient second = WsClient.connect("ws://127.0.0.1:" + port + "/v1/sessions")) {
            first.next("session", 60_000);
            second.next("session", 60_000);
            int code = stopping.terminate(20_000);
            assertTrue(code == 0 || code == 143, "exit code " + code);
            for (int i = 0; i < 200 && (first.closeStatus() < 0 || second.closeStatus() < 0); i++) {
                Thread.sleep(25);
            }
            assertEquals(1001, first.closeStatus());
            assertEquals(1001, second.closeStatus());
            assertFalse(stopping.log().contains(" ERROR "), stopping.log());
        }
    }

    /**
     * The sessions API with gateway and worker in different processes, and the session moving to
     * another gateway: a file uploaded on one is read by code run without a model on the other,
     * and what the code wrote downloads from the first again.
     */
    @Test
    void filesAndCodeOverHttpWorkAcrossProcessesAndGateways() throws Exception {
        int port2 = RedisServer.freePort();
        URI first = URI.create("http://127.0.0.1:" + gatewayPort + "/v1/sessions");
        URI second = URI.create("http://127.0.0.1:" + port2 + "/v1/sessions");
        try (AppProcess w = worker("w-files", "main:", Map.of());
             AppProcess gateway2 = AppProcess.start("gateway-files", gatewayProps("main:", port2))) {
            String id = HttpApi.createSession(first);
            HttpResponse<String> put = HttpApi.send("PUT", URI.create(first + "/" + id + "/files/in.txt"), "across",
                    Map.of("Content-Type", "application/octet-stream"));
            assertEquals(200, put.statusCode(), put.body());
            JsonNode ran = HttpApi.call("POST", URI.create(second + "/" + id + "/execute"),
                    "{\"code\": \"open('out.txt', 'w').write(open('in.txt').read().upper())\"}").json();
            assertEquals("6", ran.get("value").asText(), ran.toString());
            HttpResponse<byte[]> out = HttpApi.bytes(URI.create(first + "/" + id + "/files/out.txt"));
            assertEquals("ACROSS", new String(out.body(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void aSessionMovesBetweenGatewaysAndOnlyOneNumbersItsEvents() throws Exception {
        int port2 = RedisServer.freePort();
        Map<String, String> props = gatewayProps("main:", port2);
        String g1 = "ws://127.0.0.1:" + gatewayPort + "/v1/sessions/";
        String g2 = "ws://127.0.0.1:" + port2 + "/v1/sessions/";
        try (AppProcess w = worker("w-move", "main:", Map.of());
             AppProcess gateway2 = AppProcess.start("gateway-2", props)) {
            model.enqueue(Reply.of("<execute>m = 5</execute>"), Reply.of("Set."));
            String id;
            long last;
            try (WsClient a = open()) {
                a.send("{\"type\":\"user_message\",\"text\":\"set m\",\"options\":{\"temperature\":0.3}}");
                List<JsonNode> events = a.untilTurnEnd(30_000);
                id = sessionOf(a);
                last = events.get(events.size() - 1).get("seq").asLong();
            }
            // On the second gateway: nothing was missed, and the turn finds the same kernel state.
            model.enqueue(Reply.of("<execute>print(m * 2)</execute>"), Reply.of("Ten."));
            long last2;
            try (WsClient b = attach(g2 + id + "?last_seq=" + last)) {
                b.sendJson("type", "user_message", "text", "double it");
                List<JsonNode> events = b.untilTurnEnd(30_000);
                assertEquals(last + 1, events.get(0).get("seq").asLong());
                CodeActTurnTest.assertContiguous(events);
                assertEquals("10", CodeActTurnTest.ofType(events, "observation").get(0).get("text").asText());
                last2 = events.get(events.size() - 1).get("seq").asLong();
                List<JsonNode> requests = model.requests();
                assertEquals(0.3, requests.get(requests.size() - 1).get("temperature").asDouble(),
                        "the session's options moved with it");
            }
            // Back on the first: its stale copy was dropped, so it numbers on after the second's events.
            try (WsClient c = attach(g1 + id + "?last_seq=0")) {
                c.untilTurnEnd(10_000);
                c.untilTurnEnd(10_000);
                model.enqueue(Reply.of("back"));
                c.sendJson("type", "user_message", "text", "back on the first");
                List<JsonNode> back = c.untilTurnEnd(30_000);
                assertEquals(last2 + 1, back.get(0).get("seq").asLong());
                CodeActTurnTest.assertContiguous(c.all());
                last2 = back.get(back.size() - 1).get("seq").asLong();
            }
            // While a turn runs on the second gateway, the first refuses the session.
            model.enqueue(Reply.of("thinking for a long while").hangAfter(4));
            try (WsClient d = attach(g2 + id + "?last_seq=" + last2)) {
                d.sendJson("type", "user_message", "text", "slow");
                d.next("token", 10_000);
                try (WsClient e = WsClient.connect(g1 + id)) {
                    assertEquals("session_elsewhere", e.next("error", 5000).get("code").asText());
                }
                d.sendJson("type", "cancel");
                assertEquals("cancelled", d.next("turn_end", 10_000).get("reason").asText());
            }
        }
    }

    /**
     * A read-only viewer (Server-Sent Events) of a session on a gateway that does not hold it
     * follows the log in Redis and never takes the session: the owner's WebSocket client is not
     * moved away, its turn goes on, and the viewer gets exactly the owner's events.
     */
    @Test
    void aViewerOnAnotherGatewayNeverEvictsTheOwnersClient() throws Exception {
        int port2 = RedisServer.freePort();
        try (AppProcess w = worker("w-viewer", "main:", Map.of());
             AppProcess other = AppProcess.start("gateway-viewer", gatewayProps("main:", port2));
             WsClient owner = open()) {
            String id = sessionOf(owner);
            model.enqueue(Reply.of("word ".repeat(300)).chunk(5).delay(5), Reply.of("<execute>\nprint('seen')\n"),
                    Reply.of("Done."));
            owner.sendJson("type", "user_message", "text", "talk");
            owner.next("token", 30_000);
            try (HttpApi.Stream viewer = HttpApi.stream("GET", URI.create("http://127.0.0.1:" + port2 + "/v1/sessions/" + id
                    + "/events?after=0"), null, Map.of())) {
                assertEquals(200, viewer.status);
                List<JsonNode> ownerTurn = owner.untilTurnEnd(60_000);
                owner.sendJson("type", "user_message", "text", "code");
                List<JsonNode> second = owner.untilTurnEnd(60_000);
                assertEquals("seen", CodeActTurnTest.ofType(second, "observation").get(0).get("text").asText());
                long last = second.get(second.size() - 1).get("seq").asLong();
                List<JsonNode> seen = viewer.until(e -> e.id() != null && Long.parseLong(e.id()) == last, 60_000).stream()
                        .map(e -> HttpApi.parse(e.data())).toList();
                assertTrue(owner.all().stream().noneMatch(e -> "session_moved".equals(e.path("code").asText())), "never moved");
                assertFalse(owner.closed());
                assertEquals(owner.all(), seen, "the viewer got exactly the owner's events");
                assertTrue(ownerTurn.size() > 10);
            }
        }
    }

    @Test
    @Tag("fault")
    void aTurnLeftOpenByADeadGatewayIsClosedWhenAnotherTakesTheSession() throws Exception {
        int port3 = RedisServer.freePort();
        Map<String, String> props = doomedGatewayProps(port3);
        String id;
        List<JsonNode> seenLive;
        try (AppProcess doomed = AppProcess.start("gateway-doomed", props)) {
            model.enqueue(Reply.of("I will think about this for ever").hangAfter(5));
            try (WsClient ws = WsClient.connect("ws://127.0.0.1:" + port3 + "/v1/sessions")) {
                id = ws.next("session", 60_000).get("session").asText();
                ws.sendJson("type", "user_message", "text", "hang");
                ws.next("token", 10_000);
                doomed.kill();
                seenLive = ws.all();
            }
        }
        long killed = System.nanoTime();
        model.enqueue(Reply.of("Back."));
        try (WsClient ws = attachWhenFree("ws://127.0.0.1:" + gatewayPort + "/v1/sessions/" + id + "?last_seq=0")) {
            Tally.note(String.format("taken over %.1f s after the kill (turn lease 30 s, gateway heartbeat 3 s)",
                    (System.nanoTime() - killed) / 1e9));
            List<JsonNode> replay = ws.untilTurnEnd(10_000);
            JsonNode error = CodeActTurnTest.ofType(replay, "error").get(0);
            assertEquals("turn_interrupted", error.get("code").asText());
            assertEquals(1, error.get("turn").asInt());
            assertEquals("error", replay.get(replay.size() - 1).get("reason").asText());
            CodeActTurnTest.assertContiguous(replay);
            Tally.audit(seenLive, replay);
            ws.sendJson("type", "user_message", "text", "again");
            List<JsonNode> next = ws.untilTurnEnd(30_000);
            assertEquals(2, next.get(0).get("turn").asInt(), "turn numbers go on");
            assertEquals("answer", next.get(next.size() - 1).get("reason").asText());
        }
    }

    /**
     * A gateway killed mid-turn whose log writes are slow (a second between batches): it sent
     * nothing it had not stored, so every event its client saw is in the log, the gateway that
     * takes the session over goes on from the last one without a gap, and a client on any gateway
     * replays exactly what was shown.
     */
    @Test
    @Tag("fault")
    void everyEventAClientSawFromADeadGatewayIsInTheLog() throws Exception {
        int port3 = RedisServer.freePort();
        Map<String, String> props = doomedGatewayProps(port3);
        props.put("codeact.session.log-flush-interval", "1s");
        String id;
        List<JsonNode> seenLive;
        try (AppProcess doomed = AppProcess.start("gateway-unstored", props)) {
            model.enqueue(Reply.of("word ".repeat(200)).chunk(5).delay(5).hangAfter(600));
            try (WsClient ws = WsClient.connect("ws://127.0.0.1:" + port3 + "/v1/sessions")) {
                id = ws.next("session", 60_000).get("session").asText();
                ws.sendJson("type", "user_message", "text", "talk");
                ws.next(e -> e.path("seq").asLong() >= 40, 30_000, "the 40th event");
                doomed.kill();
                seenLive = ws.all();
            }
        }
        long lastSeen = seenLive.get(seenLive.size() - 1).get("seq").asLong();
        try (WsClient resumed = attachWhenFree("ws://127.0.0.1:" + gatewayPort + "/v1/sessions/" + id + "?last_seq=" + lastSeen)) {
            List<JsonNode> after = resumed.untilTurnEnd(30_000);
            assertEquals("turn_interrupted", after.get(after.size() - 2).get("code").asText(), after.toString());
            List<JsonNode> joined = new java.util.ArrayList<>(seenLive);
            joined.addAll(after);
            CodeActTurnTest.assertContiguous(joined);
            assertTrue(joined.stream().noneMatch(e -> "events_lost".equals(e.get("type").asText())), "no gap: " + after);
        }
        try (WsClient replay = WsClient.connect("ws://127.0.0.1:" + gatewayPort + "/v1/sessions/" + id + "?last_seq=0")) {
            List<JsonNode> all = replay.untilTurnEnd(10_000);
            Tally.audit(seenLive, all);
            assertEquals("session", all.get(0).get("type").asText());
        }
    }

    /** Attaches once no other gateway holds the session's turn lease (session_elsewhere is retried). */
    static WsClient attachWhenFree(String url) throws InterruptedException {
        for (int attempt = 0; attempt < 300; attempt++) {
            WsClient ws = WsClient.connect(url);
            JsonNode first = ws.next(e -> true, 30_000, "the first event");
            if (!"session_elsewhere".equals(first.path("code").asText())) {
                ws.pushBack(first);
                return ws;
            }
            ws.close();
            Thread.sleep(100);
        }
        throw new AssertionError("the session stayed elsewhere");
    }

    @Test
    void aWorkerWhoseSandboxesCannotStartIsNotReady() throws Exception {
        int port = RedisServer.freePort();
        try (AppProcess broken = worker("w-broken", "broken:", Map.of("codeact.worker.runsc-path", "/nonexistent/runsc",
                "quarkus.http.port", Integer.toString(port)))) {
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            java.net.http.HttpResponse<String> r = null;
            for (int i = 0; i < 50; i++) {
                r = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/q/health/ready"))
                        .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 503) {
                    break;
                }
                Thread.sleep(100);
            }
            assertEquals(503, r.statusCode(), r.body());
            assertTrue(r.body().contains("sandboxes do not start"), r.body());
        }
    }

    @Test
    void anIdleKernelIsStoppedAndTheNextObservationSaysSo() throws Exception {
        try (AppProcess w = worker("w-idle", "main:", Map.of("codeact.worker.idle-timeout", "1s"));
             WsClient ws = open()) {
            model.enqueue(Reply.of("<execute>v = 1</execute>"), Reply.of("Set."));
            ws.sendJson("type", "user_message", "text", "set v");
            ws.untilTurnEnd(30_000);
            w.awaitLog("stopped 1 kernel(s) idle", 10_000);
            model.enqueue(Reply.of("<execute>print(v)</execute>"), Reply.of("Gone."));
            ws.sendJson("type", "user_message", "text", "print v");
            JsonNode observation = CodeActTurnTest.ofType(ws.untilTurnEnd(30_000), "observation").get(0);
            assertTrue(observation.get("result").get("restarted").asBoolean());
            assertEquals("NameError", observation.get("result").get("error").get("name").asText());
            assertTrue(observation.get("text").asText().startsWith("[The Python interpreter of this session was restarted"),
                    observation.get("text").asText());
        }
    }
}
