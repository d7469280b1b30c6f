package dev.codeact.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codeact.it.ScriptedModel.Reply;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The application on a real Redis Cluster: three masters and three replicas on loopback (made with
 * {@code redis-cli --cluster create --cluster-replicas 1}), two gateways and two workers as their
 * own processes, sharded job streams. Sessions on both gateways run on both workers and every
 * event they sent is stored; then the master that holds a session's keys is killed in the middle
 * of an action and its replica takes over: the client gets every line once, the store loses and
 * duplicates nothing, and the session goes on through the other gateway.
 */
@ExtendWith(Tally.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RedisClusterIT {

    /** Masters, then replicas: the order {@code redis-cli --cluster create} pairs them in. */
    static final int NODES = 6;
    /** How long a master may be silent before its replica takes over (redis.conf's default is 15 s). */
    static final int NODE_TIMEOUT_MS = 2000;
    static final Map<Integer, Process> nodes = new LinkedHashMap<>();
    static Path dir;
    static ScriptedModel model;
    static final List<AppProcess> gateways = new ArrayList<>();
    static final List<AppProcess> workers = new ArrayList<>();
    static final List<Integer> gatewayPorts = new ArrayList<>();
    static final List<Integer> workerPorts = new ArrayList<>();

    @BeforeAll
    static void startParts() throws Exception {
        dir = Files.createTempDirectory("codeact-cluster");
        for (int i = 0; i < NODES; i++) {
            int port = RedisServer.freePort();
            nodes.put(port, new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                    "--cluster-enabled", "yes", "--cluster-config-file", "nodes-" + port + ".conf",
                    "--cluster-node-timeout", Integer.toString(NODE_TIMEOUT_MS), "--save", "", "--appendonly", "no",
                    "--dir", dir.toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("redis-" + port + ".log").toFile()).start());
        }
        for (int port : nodes.keySet()) {
            awaitPort(port);
        }
        List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
        nodes.keySet().forEach(p -> create.add("127.0.0.1:" + p));
        create.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
        Process made = new ProcessBuilder(create).redirectErrorStream(true).start();
        String out = new String(made.getInputStream().readAllBytes());
        assertEquals(0, made.waitFor(), out);
        for (int port : nodes.keySet()) {
            awaitClusterOk(port);
        }
        model = new ScriptedModel();
        String hosts = String.join(",", nodes.keySet().stream().map(p -> "redis://127.0.0.1:" + p).toList());
        Map<String, String> common = new HashMap<>();
        common.put("quarkus.redis.hosts", hosts);
        common.put("quarkus.redis.client-type", "cluster");
        common.put("codeact.queue.shards", "3");
        common.put("codeact.queue.block-timeout", "500ms");
        // A worker whose heartbeat key is on the failed master cannot renew it until the replica
        // takes over (node timeout plus election): its TTL must outlast that, as docs/redis.md says.
        common.put("codeact.worker.heartbeat-ttl", "20s");
        // Ten processes (six Redis nodes, two gateways, two workers) on two cores, and others beside
        // them: a process may not be scheduled for seconds, which Vert.x's checker would count as
        // code blocking an event loop. Code that blocks is caught by the in-process tier's 2 s.
        common.put("quarkus.vertx.max-event-loop-execute-time", "20s");
        Map<String, String> gateway = new HashMap<>(common);
        gateway.put("codeact.llm.base-url", model.baseUrl());
        Map<String, String> worker = new HashMap<>(common);
        worker.put("codeact.worker.run-dir", WorkerProcessesIT.RUN_DIR.toString());
        worker.put("codeact.worker.warm-pool", "1");
        // Two actions at a time and two waiting each, eight places in all: one worker cannot take a
        // burst of eight three-second actions (with the default run queue of six, one took all of them).
        worker.put("codeact.worker.concurrency", "2");
        worker.put("codeact.worker.run-queue", "2");
        List<CompletableFuture<AppProcess>> starting = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            String role = i < 2 ? "gateway" : "worker";
            int port = RedisServer.freePort();
            (i < 2 ? gatewayPorts : workerPorts).add(port);
            Map<String, String> props = new HashMap<>(i < 2 ? gateway : worker);
            props.put("codeact.roles", role);
            props.put("codeact.instance-id", "cluster-" + role + "-" + i % 2);
            props.put("quarkus.http.port", Integer.toString(port));
            starting.add(startAsync("cluster-" + role + "-" + i % 2, props));
        }
        for (int i = 0; i < starting.size(); i++) {
            (i < 2 ? gateways : workers).add(starting.get(i).join());
        }
        for (AppProcess app : workers) {
            app.awaitLog("reading", 60_000);
        }
    }

    static CompletableFuture<AppProcess> startAsync(String name, Map<String, String> props) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return AppProcess.start(name, props);
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @AfterAll
    static void stopParts() throws Exception {
        for (AppProcess app : gateways) {
            app.close();
        }
        for (AppProcess app : workers) {
            app.close();
        }
        if (model != null) {
            model.close();
        }
        nodes.values().forEach(Process::destroy);
    }

    static void awaitPort(int port) throws Exception {
        for (int i = 0; i < 500; i++) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                Thread.sleep(20);
            }
        }
        throw new IOException("redis-server did not start on " + port);
    }

    static void awaitClusterOk(int port) throws Exception {
        for (int i = 0; i < 600; i++) {
            if (RedisCli.call(port, "CLUSTER", "INFO").contains("cluster_state:ok")) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the cluster is not ok on " + port + ": " + RedisCli.call(port, "CLUSTER", "INFO"));
    }

    static URI sessions(int gateway) {
        return URI.create("http://127.0.0.1:" + gatewayPorts.get(gateway) + "/v1/sessions");
    }

    static int anyLiveNode() {
        return nodes.entrySet().stream().filter(e -> e.getValue().isAlive()).findFirst().orElseThrow().getKey();
    }

    /** The port of the master that serves {@code key}'s slot now (CLUSTER SLOTS lists masters first). */
    static int masterOf(String key) throws Exception {
        int slot = Integer.parseInt(RedisCli.call(anyLiveNode(), "CLUSTER", "KEYSLOT", key).strip());
        String[] lines = RedisCli.call(anyLiveNode(), "CLUSTER", "SLOTS").split("\n");
        // --raw prints each range as: start, end, then per node ip, port, id (and hostname info).
        for (int i = 0; i + 4 < lines.length; i++) {
            if (lines[i].matches("\\d+") && lines[i + 1].matches("\\d+") && lines[i + 2].equals("127.0.0.1")) {
                int from = Integer.parseInt(lines[i]);
                int to = Integer.parseInt(lines[i + 1]);
                if (slot >= from && slot <= to) {
                    return Integer.parseInt(lines[i + 3]);
                }
            }
        }
        throw new AssertionError("no master for slot " + slot + " in " + String.join(" ", lines));
    }

    /** A worker's live kernels, off its own /q/metrics. */
    static double kernelsOn(int worker) throws Exception {
        String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + workerPorts.get(worker) + "/q/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("(?m)^codeact_worker_kernels(\\{[^}]*})? ([0-9.Ee+-]+)$").matcher(body);
        assertTrue(m.find(), "codeact_worker_kernels in the worker's metrics");
        return Double.parseDouble(m.group(2));
    }

    static String storedCount(String session) throws Exception {
        return RedisCli.call(anyLiveNode(), "-c", "ZCARD", "codeact:{" + session + "}:events").strip();
    }

    @Test
    @Order(1)
    void sessionsOnBothGatewaysRunOnBothWorkersAndEveryEventIsStored() throws Exception {
        int sessions = 8;
        for (int i = 0; i < sessions; i++) {
            model.enqueue(Reply.of("<execute>\nimport time\ntime.sleep(3)\nprint(6 * 7)\n").chunk(4));
        }
        for (int i = 0; i < sessions; i++) {
            // Each session's answer, whenever its action ends: sessions on a loaded machine do not
            // ask in the order they started.
            model.enqueueAfterObservation(Reply.of("It is forty-two, I computed it in Python.").chunk(4));
        }
        List<CompletableFuture<List<JsonNode>>> turns = new ArrayList<>();
        for (int i = 0; i < sessions; i++) {
            URI gateway = sessions(i % 2);
            turns.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return WsClient.turnInNewSession(gateway, "ask");
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        Set<Integer> masters = new HashSet<>();
        int observations = 0;
        for (CompletableFuture<List<JsonNode>> turn : turns) {
            List<JsonNode> events = turn.get();
            JsonNode end = events.get(events.size() - 1);
            assertEquals("turn_end", end.get("type").asText(), events.toString());
            assertEquals("answer", end.get("reason").asText(), events.toString());
            observations += CodeActTurnTest.ofType(events, "observation").size();
            String id = end.get("session").asText();
            // The log is written a few milliseconds after the events go out: wait for it.
            String stored = "";
            for (int i = 0; i < 100 && !stored.equals(end.get("seq").asText()); i++) {
                stored = storedCount(id);
                Thread.sleep(50);
            }
            assertEquals(end.get("seq").asText(), stored, "every event of " + id + " is stored on the cluster");
            masters.add(masterOf("codeact:{" + id + "}:events"));
        }
        assertEquals(sessions, observations, "every action ran through the sharded job streams");
        assertTrue(masters.size() > 1, "the sessions' keys landed on several masters: " + masters);
        assertTrue(kernelsOn(0) > 0 && kernelsOn(1) > 0,
                "both workers ran sessions: " + kernelsOn(0) + " and " + kernelsOn(1) + " kernels");
        for (AppProcess app : gateways) {
            // Before the failover test: a killed master makes the Redis client log its reset connection.
            assertFalse(app.log().contains(" ERROR "), app.log());
        }
    }

    @Test
    @Order(2)
    @Tag("fault")
    void aMasterFailedOverMidActionLosesAndDuplicatesNothing() throws Exception {
        model.reset(); // what an earlier test left unanswered is not this one's script
        model.enqueue(Reply.of("<execute>\nimport time\nfor i in range(12):\n    print('line', i, flush=True)\n"
                + "    time.sleep(0.5)\n"));
        model.enqueue(Reply.of("Counted through the failover."));
        String session;
        long lastSeq;
        try (WsClient ws = WsClient.openSession(sessions(0))) {
            session = ws.all().get(0).get("session").asText();
            int master = masterOf("codeact:{" + session + "}:events");
            ws.sendJson("type", "user_message", "text", "count slowly");
            ws.next("observation_chunk", 180_000);
            nodes.get(master).destroyForcibly().waitFor();
            long killed = System.nanoTime();
            int successor = masterOf("codeact:{" + session + "}:events");
            for (int i = 0; i < 600 && (successor == master || !nodes.get(successor).isAlive()); i++) {
                Thread.sleep(50);
                successor = masterOf("codeact:{" + session + "}:events");
            }
            assertTrue(successor != master, "a replica took over the session's slots from " + master);
            Tally.note(String.format("master %d killed mid-action, replica %d serving its slots %.1f s later",
                    master, successor, (System.nanoTime() - killed) / 1e9));
            List<JsonNode> events = ws.untilTurnEnd(180_000);
            StringBuilder expected = new StringBuilder();
            for (int i = 0; i < 12; i++) {
                expected.append("line ").append(i).append('\n');
            }
            Tally.auditLines(expected.toString(), CodeActTurnTest.text(ws.all(), "observation_chunk", "text"));
            JsonNode observation = CodeActTurnTest.ofType(events, "observation").get(0);
            assertEquals(expected.toString(), observation.get("result").get("output").asText());
            assertEquals("answer", events.get(events.size() - 1).get("reason").asText(), events.toString());
            Tally.auditReplay("ws://127.0.0.1:" + gatewayPorts.get(0) + "/v1/sessions/" + session, ws.all());
            lastSeq = events.get(events.size() - 1).get("seq").asLong();
        }
        // The session goes on through the other gateway, with its kernel's state.
        model.enqueue(Reply.of("<execute>\nprint(i * 10)\n"), Reply.of("A hundred and ten."));
        try (WsClient other = takeOver(gatewayPorts.get(1), session, lastSeq)) {
            other.sendJson("type", "user_message", "text", "and times ten?");
            List<JsonNode> next = other.untilTurnEnd(180_000);
            assertEquals("110\n", CodeActTurnTest.ofType(next, "observation").get(0).get("result").get("output").asText(),
                    next.toString());
        }
    }

    /**
     * Opens {@code session} on another gateway as a client should: the first gateway holds the
     * session until its last turn_end is stored (after a failover that waits for the retried
     * writes), and answers {@code session_elsewhere} meanwhile, so try again in a moment. Attached,
     * the gateway replays the last event, which is consumed here.
     */
    static WsClient takeOver(int port, String session, long lastSeq) throws InterruptedException {
        for (int attempt = 0; attempt < 150; attempt++) {
            WsClient ws = WsClient.connect("ws://127.0.0.1:" + port + "/v1/sessions/" + session + "?last_seq=" + (lastSeq - 1));
            JsonNode first = ws.next(e -> e.has("type"), 10_000, "first");
            if (first.path("seq").asLong() == lastSeq) {
                return ws;
            }
            assertEquals("session_elsewhere", first.path("code").asText(), first.toString());
            ws.close();
            Thread.sleep(200);
        }
        throw new AssertionError(session + " stayed on its first gateway for 30 s");
    }
}
