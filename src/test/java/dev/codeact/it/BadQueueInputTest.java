package dev.codeact.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codeact.it.ScriptedModel.Reply;
import dev.codeact.queue.ResultReader;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Garbage in the Redis streams is logged and skipped; the warm pool refills; sessions go on. */
@QuarkusTest
@QuarkusTestResource(value = RealParts.class, restrictToAnnotatedClass = false)
class BadQueueInputTest {

    @TestHTTPResource("/v1/sessions")
    URI sessions;

    @TestHTTPResource("/q/metrics")
    URI metrics;

    @Inject
    ResultReader resultReader;

    String redis(String... args) throws Exception {
        return RedisCli.call(RealParts.redis.port(), args);
    }

    double metric(String name) throws Exception {
        String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(metrics).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("(?m)^" + name + "(\\{[^}]*\\})? ([0-9.eE+-]+)$").matcher(body);
        if (!m.find()) {
            throw new AssertionError("no metric " + name);
        }
        return Double.parseDouble(m.group(2));
    }

    @Test
    void malformedJobsAndResultsAreSkippedAndTheSessionGoesOn() throws Exception {
        RealParts.model.reset();
        String results = resultReader.stream();
        redis("XADD", "codeact:jobs", "*", "p", "{not json");
        redis("XADD", "codeact:jobs", "*", "p", "{\"v\":99,\"job_id\":\"j\",\"session\":\"s\",\"reply_to\":\"r\",\"code\":\"1\",\"timeout_ms\":1}");
        redis("XADD", "codeact:jobs", "*", "other", "field");
        redis("XADD", results, "*", "p", "[]");
        redis("XADD", results, "*", "p", "{\"v\":1,\"kind\":\"chunk\",\"session\":\"nobody\",\"job_id\":\"x\",\"stream\":\"tty\",\"text\":\"t\"}");
        RealParts.model.enqueue(Reply.of("<execute>print('fine')</execute>"), Reply.of("ok"));
        List<JsonNode> events = WsClient.turnInNewSession(sessions, "still working?");
        assertEquals("fine", CodeActTurnTest.ofType(events, "observation").get(0).get("text").asText());
        // The bad jobs were acknowledged and deleted, not left to be redelivered for ever.
        for (int i = 0; i < 50 && !"0".equals(redis("XLEN", "codeact:jobs")); i++) {
            Thread.sleep(100);
        }
        assertEquals("0", redis("XLEN", "codeact:jobs"));
        String log = java.nio.file.Files.readString(java.nio.file.Path.of("target", "quarkus-test.log"));
        assertTrue(log.contains("dropping bad job entry"), "bad jobs are logged");
        assertTrue(log.contains("skipping bad entry") && log.contains("bad Result payload"), "bad results are logged");
    }

    @Test
    void aNewSessionTakesAWarmSandboxAndThePoolRefills() throws Exception {
        RealParts.model.reset();
        for (int i = 0; i < 100 && metric("codeact_worker_warm_sandboxes") < 2; i++) {
            Thread.sleep(100);
        }
        assertEquals(2.0, metric("codeact_worker_warm_sandboxes"));
        double kernels = metric("codeact_worker_kernels");
        RealParts.model.enqueue(Reply.of("<execute>1 + 1</execute>"), Reply.of("2"));
        WsClient.turnInNewSession(sessions, "add");
        assertEquals(kernels + 1, metric("codeact_worker_kernels"));
        for (int i = 0; i < 100 && metric("codeact_worker_warm_sandboxes") < 2; i++) {
            Thread.sleep(100);
        }
        assertEquals(2.0, metric("codeact_worker_warm_sandboxes"), "refilled in the background");
        assertTrue(metric("codeact_gateway_sessions") >= 1);
    }

    @TestHTTPResource("/q/health/ready")
    URI ready;

    @Test
    void readinessSaysGatewayAndWorkerAreUp() throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(ready).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.body().contains("\"name\": \"codeact\"") && r.body().contains("reading results"), r.body());
    }
}
