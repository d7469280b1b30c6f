package dev.codeact.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codeact.it.ScriptedModel.Reply;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A worker's lease with real processes: a worker that is only slow (paused with SIGSTOP, or starved
 * of CPU by a cgroup quota) past its heartbeat's TTL keeps its kernels and jobs when no peer took it
 * over; with a peer, the peer advances the lease's epoch before it runs the job, the client is told
 * before the repeated output, and the woken worker stops its kernels before it writes anything.
 * No wait here is a timing margin: each waits for the cause (a log line, an event) with a bound
 * far above what a loaded machine needs.
 */
@ExtendWith(Tally.class)
class WorkerLeaseIT {

    static final String PREFIX = "lease:";
    static final Path RUN_DIR = Path.of("target", "it-run-lease").toAbsolutePath();
    /** A frozen JVM is frozen on purpose: its blocked-thread checker must not count the pause as a blocked event loop. */
    static final Map<String, String> PAUSABLE = Map.of("quarkus.vertx.max-event-loop-execute-time", "120s");

    static RedisServer redis;
    static ScriptedModel model;
    static AppProcess gateway;
    static int gatewayPort;

    @BeforeAll
    static void startParts() throws Exception {
        redis = RedisServer.start();
        model = new ScriptedModel();
        gatewayPort = RedisServer.freePort();
        Map<String, String> props = common();
        props.put("codeact.roles", "gateway");
        props.put("quarkus.http.port", Integer.toString(gatewayPort));
        props.put("codeact.llm.base-url", model.baseUrl());
        gateway = AppProcess.start("lease-gateway", props);
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

    static Map<String, String> common() {
        Map<String, String> props = new HashMap<>();
        props.put("quarkus.redis.hosts", redis.url());
        props.put("codeact.key-prefix", PREFIX);
        props.put("codeact.queue.block-timeout", "500ms");
        return props;
    }

    static AppProcess worker(String id, String ttl) throws Exception {
        Map<String, String> props = common();
        props.put("quarkus.http.port", "0");
        props.putAll(PAUSABLE);
        return AppProcess.worker(id, RUN_DIR, "200ms", ttl, props);
    }

    WsClient open() throws InterruptedException {
        WsClient ws = WsClient.connect("ws://127.0.0.1:" + gatewayPort + "/v1/sessions");
        ws.next("session", 60_000);
        return ws;
    }

    static String sessionUri(WsClient ws) {
        return "ws://127.0.0.1:" + gatewayPort + "/v1/sessions/" + ws.all().get(0).get("session").asText();
    }

    static String epoch(String worker) throws Exception {
        return RedisCli.call(redis.port(), "GET", PREFIX + "epoch:{" + worker + "}");
    }

    /** Runs {@code y = 1}, then starts {@code second}; returns once the second action's first output arrived. */
    static void stateThenRunning(WsClient ws, String second) throws Exception {
        model.enqueue(Reply.of("<execute>\ny = 1\n"), Reply.of("<execute>\n" + second + "\n"), Reply.of("Done."));
        ws.sendJson("type", "user_message", "text", "go");
        ws.next("observation", 60_000);
        ws.next("observation_chunk", 60_000);
    }

    /**
     * The only worker is paused (SIGSTOP) mid-action for well past its heartbeat's TTL, then
     * resumed: nobody took it over, so it renews its lease late and goes on. The action completes
     * once on the kernel that holds {@code y}, every line once.
     */
    @Test
    @Tag("fault")
    void aPausedWorkerWithNoPeerKeepsItsStateAndRunsNothingTwice() throws Exception {
        try (AppProcess w = worker("w-lease-alone", "1s"); WsClient ws = open()) {
            stateThenRunning(ws, "import time\nfor i in range(6):\n    print('line', i, y, flush=True)\n    time.sleep(0.5)");
            String before = epoch(w.name());
            WorkerProcessesIT.signal("STOP", w);
            Thread.sleep(5000); // five TTLs: the heartbeat key expires in Redis
            assertEquals("0", RedisCli.call(redis.port(), "EXISTS", PREFIX + "worker:{" + w.name() + "}"),
                    "the paused worker's heartbeat expired");
            WorkerProcessesIT.signal("CONT", w);

            ranOnceWithItsState(ws.untilTurnEnd(120_000), ws, 6);
            assertEquals(before, epoch(w.name()), "nobody advanced the lease's epoch");
            w.awaitLog("renewed its lease late", 30_000);
            assertFalse(w.log().contains("was taken over"), w.log());
            Tally.auditReplay(sessionUri(ws), ws.all());
        }
    }

    /**
     * The only worker is starved by a CPU cgroup (1 % of a core for 20 s) mid-action: it misses
     * its renewals, and keeps its kernel, its job and the session's state.
     */
    @Test
    @Tag("fault")
    void aStarvedWorkerWithNoPeerKeepsItsStateAndRunsNothingTwice() throws Exception {
        try (AppProcess w = worker("w-lease-starved", "1s"); WsClient ws = open()) {
            stateThenRunning(ws, "import time\nfor i in range(20):\n    print('line', i, y, flush=True)\n    time.sleep(1)");
            try (CpuQuota starved = CpuQuota.limit(w.pid(), 1_000, 100_000)) {
                Thread.sleep(20_000);
            }
            ranOnceWithItsState(ws.untilTurnEnd(180_000), ws, 20);
            w.awaitLog("renewed its lease late", 30_000);
            assertFalse(w.log().contains("was taken over"), w.log());
            assertFalse(w.log().contains("ended itself"), w.log());
            Tally.auditReplay(sessionUri(ws), ws.all());
        }
    }

    /**
     * Two workers; the one running the action is paused past its TTL. The peer advances its epoch,
     * then runs the job again on a fresh kernel: the client gets {@code action_restarted} before
     * the repeated output, and one observation, which says so. Resumed, the paused worker learns it
     * was taken over, stops its job and kernels without writing a result, and takes jobs again.
     */
    @Test
    @Tag("fault")
    void aPausedWorkerWithAPeerIsTakenOverOnlyAfterItsEpochMovesOn() throws Exception {
        try (AppProcess w1 = worker("w-lease-1", "2s"); AppProcess w2 = worker("w-lease-2", "2s"); WsClient ws = open()) {
            stateThenRunning(ws, "import time\nprint('begun', flush=True)\ntime.sleep(3)\nprint('ended', y)");
            String session = ws.all().get(0).get("session").asText();
            String holderName = RedisCli.call(redis.port(), "GET", PREFIX + "{" + session + "}:worker");
            AppProcess paused = holderName.equals(w1.name()) ? w1 : w2;
            AppProcess peer = paused == w1 ? w2 : w1;
            long held = Long.parseLong(epoch(paused.name()));
            WorkerProcessesIT.signal("STOP", paused);
            try {
                peer.awaitLog("worker " + paused.name() + " is gone: took over 1 of its jobs (its lease epoch is now "
                        + (held + 1) + ")", 60_000);
                JsonNode restart = ws.next("action_restarted", 60_000);
                assertEquals(2, restart.get("attempt").asInt(), restart.toString());
            } finally {
                WorkerProcessesIT.signal("CONT", paused);
            }
            List<JsonNode> events = ws.untilTurnEnd(120_000);
            List<JsonNode> observations = CodeActTurnTest.ofType(events, "observation");
            assertEquals(1, observations.size(), observations.toString());
            JsonNode result = observations.get(0).get("result");
            assertTrue(result.get("restarted").asBoolean(), result.toString());
            assertTrue(result.get("notice").asText().contains("ran again from the start"), result.toString());
            assertEquals("NameError", result.get("error").get("name").asText(), "the peer's fresh kernel ran it, without y");

            List<String> order = ws.all().stream()
                    .filter(e -> List.of("observation_chunk", "action_restarted").contains(e.get("type").asText()))
                    .map(e -> e.get("type").asText().equals("action_restarted") ? "restarted" : e.get("text").asText().strip())
                    .toList();
            assertEquals(List.of("begun", "restarted", "begun"), order, "the repeated output comes after the event");
            assertTrue(CodeActTurnTest.text(ws.all(), "observation_chunk", "text").indexOf("ended") < 0,
                    "the paused worker's run never reached the client");

            // Its job always; its session kernel when it still lived (one run found it gone already).
            paused.awaitLog("was taken over by a peer (its lease epoch " + held + " moved on): stopped 1 job(s)", 60_000);
            assertFalse(paused.log().contains("renewed its lease late"), "a taken-over worker never renews its old lease");
            Tally.note("epoch " + held + " -> " + epoch(paused.name()) + " (the woken worker rejoined)");
            Tally.auditReplay(sessionUri(ws), ws.all());

            // Back in the pool under a new epoch: the woken worker takes jobs again.
            peer.close();
            model.enqueue(Reply.of("<execute>\nprint('again')\n"), Reply.of("Done."));
            try (WsClient other = open()) {
                other.sendJson("type", "user_message", "text", "go");
                assertEquals("again", CodeActTurnTest.ofType(other.untilTurnEnd(120_000), "observation").get(0)
                        .get("text").asText());
            }
        }
    }

    /** One observation, not restarted, no error, no action_restarted, and each of the {@code n} lines once with y = 1. */
    static void ranOnceWithItsState(List<JsonNode> events, WsClient ws, int n) {
        List<JsonNode> observations = CodeActTurnTest.ofType(events, "observation");
        assertEquals(1, observations.size(), observations.toString());
        JsonNode result = observations.get(0).get("result");
        assertFalse(result.get("restarted").asBoolean(), result.toString());
        assertFalse(result.has("error"), result.toString());
        assertEquals(List.of(), CodeActTurnTest.ofType(events, "action_restarted"));
        Tally.auditLines(IntStream.range(0, n).mapToObj(i -> "line " + i + " 1\n").collect(Collectors.joining()),
                CodeActTurnTest.text(ws.all(), "observation_chunk", "text"));
    }

    /** A CPU cgroup (v2 {@code cpu.max} where the controller is there, else v1 {@code cpu.cfs_quota_us}) holding one process. */
    record CpuQuota(Path group, Path root) implements AutoCloseable {

        static CpuQuota limit(long pid, long quotaUs, long periodUs) throws Exception {
            Path v2 = Path.of("/sys/fs/cgroup");
            Path v1 = v2.resolve("cpu");
            String name = "codeact-starve-" + pid;
            if (Files.exists(v2.resolve("cgroup.controllers")) && Files.readString(v2.resolve("cgroup.controllers")).contains("cpu")) {
                Files.writeString(v2.resolve("cgroup.subtree_control"), "+cpu");
                Path group = Files.createDirectories(v2.resolve(name));
                Files.writeString(group.resolve("cpu.max"), quotaUs + " " + periodUs);
                Files.writeString(group.resolve("cgroup.procs"), Long.toString(pid));
                return new CpuQuota(group, v2);
            }
            Path group = Files.createDirectories(v1.resolve(name));
            Files.writeString(group.resolve("cpu.cfs_period_us"), Long.toString(periodUs));
            Files.writeString(group.resolve("cpu.cfs_quota_us"), Long.toString(quotaUs));
            Files.writeString(group.resolve("cgroup.procs"), Long.toString(pid));
            return new CpuQuota(group, v1);
        }

        @Override
        public void close() throws Exception {
            for (String pid : Files.readString(group.resolve("cgroup.procs")).split("\\s+")) {
                if (!pid.isBlank()) {
                    Files.writeString(root.resolve("cgroup.procs"), pid);
                }
            }
            Files.delete(group);
        }
    }
}
