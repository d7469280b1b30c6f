package dev.codeact.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The application on a real Redis Cluster (three masters on loopback, made with
 * {@code redis-cli --cluster create}), with sharded job streams: sessions whose keys land on
 * different nodes run their turns at once, and every event they sent is stored on the cluster.
 * (Replicas, failover and several gateways and workers on a cluster are not tested yet: issue 15.)
 */
class RedisClusterIT {

    static final int NODES = 3;
    static final List<Process> nodes = new ArrayList<>();
    static final List<Integer> ports = new ArrayList<>();
    static ScriptedModel model;
    static AppProcess app;
    static int appPort;

    @BeforeAll
    static void startParts() throws Exception {
        Path dir = Files.createTempDirectory("codeact-cluster");
        for (int i = 0; i < NODES; i++) {
            int port = RedisServer.freePort();
            ports.add(port);
            nodes.add(new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1", "--cluster-enabled",
                    "yes", "--cluster-config-file", "nodes-" + port + ".conf", "--save", "", "--appendonly", "no", "--dir", dir.toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("redis-" + port + ".log").toFile()).start());
        }
        for (int port : ports) {
            awaitPort(port);
        }
        List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
        ports.forEach(p -> create.add("127.0.0.1:" + p));
        create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
        Process made = new ProcessBuilder(create).redirectErrorStream(true).start();
        String out = new String(made.getInputStream().readAllBytes());
        assertEquals(0, made.waitFor(), out);
        for (int i = 0; i < 200 && !RedisCli.call(ports.get(0), "CLUSTER", "INFO").contains("cluster_state:ok"); i++) {
            Thread.sleep(50);
        }
        model = new ScriptedModel();
        appPort = RedisServer.freePort();
        Map<String, String> props = new HashMap<>();
        props.put("quarkus.redis.hosts", String.join(",", ports.stream().map(p -> "redis://127.0.0.1:" + p).toList()));
        props.put("quarkus.redis.client-type", "cluster");
        props.put("codeact.queue.shards", "3");
        props.put("quarkus.http.port", Integer.toString(appPort));
        props.put("codeact.llm.base-url", model.baseUrl());
        props.put("codeact.worker.run-dir", WorkerProcessesIT.RUN_DIR.toString());
        props.put("codeact.instance-id", "cluster-app");
        props.put("codeact.worker.warm-pool", "2");
        props.put("codeact.queue.block-timeout", "500ms");
        app = AppProcess.start("cluster-app", props);
        app.awaitLog("reading", 60_000);
    }

    @AfterAll
    static void stopParts() throws Exception {
        if (app != null) {
            app.close();
        }
        if (model != null) {
            model.close();
        }
        nodes.forEach(Process::destroy);
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

    @Test
    void sessionsOnDifferentNodesRunAtOnceAndEveryEventIsStored() throws Exception {
        int sessions = 6;
        for (int i = 0; i < sessions; i++) {
            model.enqueue(ScriptedModel.Reply.of("<execute>\nprint(6 * 7)\n").chunk(4));
        }
        for (int i = 0; i < sessions; i++) {
            model.enqueue(ScriptedModel.Reply.of("It is forty-two, I computed it in Python.").chunk(4));
        }
        List<CompletableFuture<List<JsonNode>>> turns = new ArrayList<>();
        for (int i = 0; i < sessions; i++) {
            turns.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return WsClient.turnInNewSession(java.net.URI.create("http://127.0.0.1:" + appPort + "/v1/sessions"), "ask");
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        java.util.Set<Integer> slotsOwners = new java.util.HashSet<>();
        int observations = 0;
        for (CompletableFuture<List<JsonNode>> turn : turns) {
            List<JsonNode> events = turn.get();
            JsonNode end = events.get(events.size() - 1);
            assertEquals("turn_end", end.get("type").asText(), events.toString());
            observations += CodeActTurnTest.ofType(events, "observation").size();
            String id = end.get("session").asText();
            String key = "codeact:{" + id + "}:events";
            // The log is written a few milliseconds after the events go out: wait for it.
            String stored = "";
            for (int i = 0; i < 100 && !stored.equals(end.get("seq").asText()); i++) {
                stored = RedisCli.call(ports.get(0), "-c", "ZCARD", key).strip();
                Thread.sleep(50);
            }
            assertEquals(end.get("seq").asText(), stored, "every event of " + id + " is stored on the cluster");
            slotsOwners.add(Integer.parseInt(RedisCli.call(ports.get(0), "CLUSTER", "KEYSLOT", key).strip()) * NODES / 16384);
        }
        assertTrue(observations >= sessions / 2, "code ran through the sharded job streams: " + observations);
        assertTrue(slotsOwners.size() > 1, "the sessions' keys landed on several nodes: " + slotsOwners);
        assertFalse(app.log().contains(" ERROR ") || app.log().contains("failed, retrying"), app.log());
    }
}
