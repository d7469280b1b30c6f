package dev.codeact.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.List;
import java.util.Map;

/**
 * Starts the real parts a Quarkus test needs before the application boots: a redis-server on a
 * free port and the scripted model server. The application itself runs gateway + worker with
 * real runsc sandboxes.
 */
public class RealParts implements QuarkusTestResourceLifecycleManager {

    static RedisServer redis;
    static ScriptedModel model;

    @Override
    public Map<String, String> start() {
        try {
            redis = RedisServer.start();
            model = new ScriptedModel();
        } catch (Exception e) {
            throw new IllegalStateException("could not start the test's real parts", e);
        }
        return Map.of(
                "quarkus.redis.hosts", redis.url(),
                "codeact.llm.base-url", model.baseUrl(),
                "codeact.worker.run-dir", "target/test-run",
                // Far above what any test's action needs on a loaded machine; the wall-time limit itself
                // is tested with a short one of its own (WallTimeLimitTest).
                "codeact.agent.action-timeout", "60s",
                "codeact.worker.interrupt-grace", "2s",
                "codeact.agent.cancel-grace", "3s",
                "codeact.queue.block-timeout", "1s");
    }

    /**
     * One turn on {@code ws} in which the scripted model runs each code block as one action and
     * then answers; returns the observations.
     */
    static List<JsonNode> runCode(WsClient ws, long timeoutMs, String... codes) throws InterruptedException {
        return runCode(model, ws, timeoutMs, codes);
    }

    /** {@link #runCode(WsClient, long, String...)} with another scripted model. */
    static List<JsonNode> runCode(ScriptedModel model, WsClient ws, long timeoutMs, String... codes) throws InterruptedException {
        for (String code : codes) {
            model.enqueue(ScriptedModel.Reply.of("<execute>\n" + code + "\n").chunk(40).delay(0));
        }
        model.enqueue(ScriptedModel.Reply.of("done"));
        ws.sendJson("type", "user_message", "text", "run it");
        return CodeActTurnTest.ofType(ws.untilTurnEnd(timeoutMs), "observation");
    }

    @Override
    public void stop() {
        if (model != null) {
            model.close();
        }
        if (redis != null) {
            try {
                redis.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
