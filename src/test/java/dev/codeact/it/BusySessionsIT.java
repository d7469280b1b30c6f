package dev.codeact.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Fifty sessions at once on the one-process layout of bin/codeact (gateway and worker in one JVM,
 * its defaults but the preloaded modules), each running short actions back to back through the sessions API: on two cores
 * that is far more than the worker serves at once. It must wait, not break: every action completes
 * once, on its session's kernel (its variables kept), none restarted, no kernel ended by its
 * watchdog, no worker taken over.
 */
@ExtendWith(Tally.class)
class BusySessionsIT {

    static final int SESSIONS = 50;
    static final int ACTIONS = 10;

    @Test
    @Tag("fault")
    void fiftyBusySessionsOnTwoCoresWaitAndLoseNothing() throws Exception {
        try (RedisServer redis = RedisServer.start(); ScriptedModel model = new ScriptedModel()) {
            int port = RedisServer.freePort();
            try (AppProcess app = AppProcess.start("busy-sessions-app", Map.of(
                    "quarkus.redis.hosts", redis.url(),
                    "quarkus.http.port", Integer.toString(port),
                    "codeact.llm.base-url", model.baseUrl(),
                    "codeact.worker.run-dir", Path.of("target", "it-run").toAbsolutePath().toString(),
                    // Fifty kernels importing numpy, pandas and matplotlib at once take minutes of CPU
                    // on two cores: the test is about waiting, not about imports.
                    "codeact.worker.preload", "none",
                    "codeact.limits.sessions-per-principal", Integer.toString(SESSIONS),
                    "codeact.limits.runs-per-minute", "1000000",
                    "codeact.limits.kernels-per-principal", Integer.toString(SESSIONS)))) {
                app.awaitLog("reading", 60_000);
                URI sessions = URI.create("http://127.0.0.1:" + port + "/v1/sessions");
                ExecutorService clients = Executors.newFixedThreadPool(SESSIONS);
                List<Future<List<String>>> runs = new ArrayList<>();
                for (int s = 0; s < SESSIONS; s++) {
                    runs.add(clients.submit(() -> session(sessions)));
                }
                int completed = 0;
                List<String> wrong = new ArrayList<>();
                for (Future<List<String>> run : runs) {
                    List<String> outputs = run.get();
                    for (int i = 0; i < outputs.size(); i++) {
                        if (outputs.get(i).equals("ok " + (i + 1) + "\n")) {
                            completed++;
                        } else {
                            wrong.add(outputs.get(i));
                        }
                    }
                }
                clients.shutdown();
                String log = app.log();
                Tally.note(SESSIONS + " sessions × " + ACTIONS + " actions: completed " + completed + ", wrong " + wrong.size()
                        + "; kernels ended by their watchdog " + count(log, "ended itself") + ", lease renewed late "
                        + count(log, "renewed its lease late"));
                assertEquals(List.of(), wrong, "every action once, with its session's state");
                assertEquals(SESSIONS * ACTIONS, completed);
                assertFalse(log.contains("ended itself"), "no kernel ended by its watchdog");
                assertFalse(log.contains("was taken over"), "nobody took the only worker over");
            }
        }
    }

    /** One session: {@code n = 0}, then ACTIONS actions that each add one and print it; their outputs. */
    static List<String> session(URI sessions) throws Exception {
        String id = HttpApi.createSession(sessions);
        URI execute = URI.create(sessions + "/" + id + "/execute");
        List<String> outputs = new ArrayList<>();
        JsonNode first = HttpApi.call("POST", execute, "{\"code\": \"n = 0\", \"timeout_ms\": 600000}").json();
        if (first.has("error")) {
            outputs.add(first.toString());
        }
        for (int i = 0; i < ACTIONS; i++) {
            HttpApi.Reply reply = HttpApi.call("POST", execute, "{\"code\": \"n += 1\\nprint('ok', n)\", \"timeout_ms\": 600000}");
            JsonNode result = reply.json();
            boolean clean = reply.status() == 200 && !result.path("restarted").asBoolean() && !result.has("error");
            outputs.add(clean ? result.get("output").asText() : reply.status() + " " + result);
        }
        return outputs;
    }

    static int count(String log, String text) {
        return log.split(java.util.regex.Pattern.quote(text), -1).length - 1;
    }
}
