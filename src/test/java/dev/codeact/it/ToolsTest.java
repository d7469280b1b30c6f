package dev.codeact.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Tools called from the agent's code: real MCP servers from npm (server-memory, server-everything)
 * started by the gateway over stdio, and client tools answered by a real WebSocket client; the
 * sandbox stays offline, every call goes through the worker and the gateway.
 */
@QuarkusTest
@TestProfile(ToolsTest.WithMcpServers.class)
@QuarkusTestResource(value = RealParts.class, restrictToAnnotatedClass = false)
@ExtendWith(Tally.class)
class ToolsTest {

    static final Path SERVERS = Path.of("src/test/mcp/node_modules/@modelcontextprotocol").toAbsolutePath();
    static final long TURN_MS = 120_000;
    /** Lookups a client answers in these tests. */
    static final Map<String, Object> PRICE_TOOL = Map.of("name", "lookup_price", "description", "The price of an item, in cents.",
            "parameters", Map.of("type", "object", "properties", Map.of("item", Map.of("type", "string")), "required", List.of("item")));

    /** The MCP servers; everything's image tool is left out of this principal's allow-list; small limits to reach them. */
    public static class WithMcpServers implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> config = new HashMap<>();
            config.put("codeact.tools.mcp.memory.command", "node," + SERVERS.resolve("server-memory/dist/index.js"));
            config.put("codeact.tools.mcp.memory.env.MEMORY_FILE_PATH", Path.of("target/mcp-memory.jsonl").toAbsolutePath().toString());
            config.put("codeact.tools.mcp.everything.command", "node," + SERVERS.resolve("server-everything/dist/index.js") + ",stdio");
            config.put("codeact.tools.allow.local", "memory_*,everything_echo,everything_get_sum,everything_get_env,"
                    + "everything_trigger_long_running_operation,remote_get_sum,big_make");
            config.put("codeact.tools.call-timeout", "3s");
            config.put("codeact.tools.max-calls-per-action", "12");
            config.put("codeact.tools.max-argument-bytes", "4096");
            config.put("codeact.tools.max-result-bytes", "16384");
            // Calls wait seconds: the action's own limit is far above them, even on a busy machine.
            config.put("codeact.agent.action-timeout", "60s");
            config.put("codeact.agent.result-timeout", "120s");
            config.put("codeact.instance-id", "tools-test");
            return config;
        }

        /** Two more servers, over Streamable HTTP. */
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(McpHttpServer.class));
        }
    }

    @TestHTTPResource("/v1/sessions")
    URI sessions;

    @TestHTTPResource("/q/metrics")
    URI metrics;

    @TestHTTPResource("/v1/tools")
    URI tools;

    @BeforeAll
    static void freshMemory() throws Exception {
        Files.deleteIfExists(Path.of("target/mcp-memory.jsonl"));
    }

    @BeforeEach
    void serversListed() throws Exception {
        RealParts.model.reset();
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (true) {
            JsonNode listed = HttpApi.call("GET", tools, null).json();
            Set<String> names = new java.util.TreeSet<>();
            listed.forEach(t -> names.add(t.get("name").asText()));
            if (names.contains("memory_read_graph") && names.contains("everything_echo") && names.contains("remote_get_sum")) {
                assertFalse(names.contains("everything_get_tiny_image"), "the allow-list leaves it out: " + names);
                return;
            }
            assertTrue(System.nanoTime() < deadline, "the MCP servers did not list their tools within 60 s: " + names);
            Thread.sleep(200);
        }
    }

    static void script(String... codes) {
        for (String code : codes) {
            RealParts.model.enqueue(ScriptedModel.Reply.of("<execute>\n" + code + "\n").chunk(60).delay(0));
        }
        RealParts.model.enqueue(ScriptedModel.Reply.of("done"));
    }

    static List<JsonNode> ofType(List<JsonNode> events, String type) {
        return CodeActTurnTest.ofType(events, type);
    }

    static String output(List<JsonNode> events) {
        return ofType(events, "observation").get(0).get("result").get("output").asText();
    }

    /** One action calls two MCP servers' tools in loops and prints what they gave together. */
    @Test
    void oneActionCallsTwoMcpToolsInALoopAndCombinesTheirResults() throws Exception {
        script("""
                memory_create_entities(entities=[{"name": f"city{i}", "entityType": "city", "observations": [f"rank {i}"]}
                                                 for i in range(3)])
                graph = memory_read_graph()
                names = sorted(e["name"] for e in graph["entities"] if e["name"].startswith("city"))
                echoed = [everything_echo(message=n) for n in names]
                total = 0
                for i in range(1, 4):
                    total = int(str(tools.everything_get_sum(a=total, b=i)).split()[-1].rstrip("."))
                print(len(names), echoed, total)""");
        try (WsClient ws = WsClient.openSession(sessions)) {
            ws.sendJson("type", "user_message", "text", "use the tools");
            List<JsonNode> events = ws.untilTurnEnd(TURN_MS);
            assertEquals("3 ['Echo: city0', 'Echo: city1', 'Echo: city2'] 6\n", output(events), events.toString());
            List<JsonNode> calls = ofType(events, "tool_call");
            List<JsonNode> results = ofType(events, "tool_result");
            assertEquals(8, calls.size(), "1 create, 1 read, 3 echoes, 3 sums: " + calls);
            assertEquals(8, results.size());
            assertEquals("mcp:memory", calls.get(0).get("source").asText());
            assertEquals("memory_create_entities", calls.get(0).get("tool").asText());
            assertEquals("city0", calls.get(0).get("arguments").get("entities").get(0).get("name").asText());
            assertEquals("mcp:everything", calls.get(2).get("source").asText());
            assertEquals("Echo: city0", results.get(2).get("value").asText(), "text content comes back as a str");
            assertTrue(results.get(1).get("value").get("entities").isArray(), "structured content comes back as data");
            for (int i = 0; i < calls.size(); i++) {
                assertEquals(calls.get(i).get("call_id"), results.get(i).get("call_id"), "each call is answered, in order");
                assertTrue(results.get(i).path("error").isMissingNode());
            }
            JsonNode system = RealParts.model.requests().get(0).get("messages").get(0);
            String prompt = system.get("content").asText();
            assertTrue(prompt.contains("def memory_read_graph() -> "), prompt);
            assertTrue(prompt.contains("def everything_get_sum(a: float, b: float) -> Any:"), prompt);
            assertFalse(prompt.contains("everything_get_tiny_image"), "a tool the principal may not call is not shown");
        }
    }

    /** An MCP server reached over Streamable HTTP works as one started over stdio. */
    @Test
    void aStreamableHttpServersToolsWorkTheSameWay() throws Exception {
        script("print(remote_get_sum(2, 3))");
        try (WsClient ws = WsClient.openSession(sessions)) {
            ws.sendJson("type", "user_message", "text", "add remotely");
            List<JsonNode> events = ws.untilTurnEnd(TURN_MS);
            assertTrue(output(events).contains("5"), events.toString());
            assertEquals("mcp:remote", ofType(events, "tool_call").get(0).get("source").asText());
        }
    }

    /** A client tool is a Python function whose calls a WebSocket client of the session answers. */
    @Test
    void aClientToolIsAnsweredByTheSessionsWebSocketClient() throws Exception {
        script("print(lookup_price('apple') * 2, lookup_price(item='pear'))");
        try (WsClient ws = WsClient.openSession(sessions)) {
            ws.sendJson("type", "user_message", "text", "prices", "tools", List.of(PRICE_TOOL));
            List<JsonNode> answered = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                JsonNode call = ws.next("tool_call", TURN_MS);
                assertEquals("client", call.get("source").asText());
                answered.add(call);
                String item = call.get("arguments").get("item").asText();
                ws.sendJson("type", "tool_result", "call_id", call.get("call_id").asText(), "value", item.equals("apple") ? 21 : 5);
            }
            List<JsonNode> events = ws.untilTurnEnd(TURN_MS);
            assertEquals("42 5\n", output(events));
            assertEquals(List.of("apple", "pear"), answered.stream().map(c -> c.get("arguments").get("item").asText()).toList());
            String prompt = RealParts.model.requests().get(0).get("messages").get(0).get("content").asText();
            assertTrue(prompt.contains("def lookup_price(item: str) -> Any:\n    \"\"\"The price of an item, in cents."), prompt);
        }
        // The latencies are histograms, so percentiles can be summed over instances.
        String scraped = HttpClient.newHttpClient().send(HttpRequest.newBuilder(metrics).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertTrue(histogramCount(scraped, "codeact_tool_call_duration_seconds", "source=\"client\"", "outcome=\"ok\"") >= 2, scraped);
        assertTrue(histogramCount(scraped, "codeact_action_duration_seconds", "by=\"turn\"", "outcome=\"ok\"") >= 1, scraped);
        assertTrue(histogramCount(scraped, "codeact_turn_duration_seconds", "reason=\"answer\"") >= 1, scraped);
        assertTrue(histogramCount(scraped, "codeact_llm_time_to_first_token_seconds") >= 2, scraped);
    }

    /** The +Inf bucket of a histogram with these labels (every call counts there), or -1 when it has no buckets. */
    static double histogramCount(String scraped, String metric, String... labels) {
        return scraped.lines().filter(l -> l.startsWith(metric + "_bucket{") && l.contains("le=\"+Inf\"")
                        && Arrays.stream(labels).allMatch(l::contains))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst().orElse(-1);
    }

    /** Failures reach the code as ToolError with a code it can branch on; the session goes on. */
    @Test
    void failingToolsRaiseToolErrorWithTheirCode() throws Exception {
        script("""
                codes = []
                for call in (lambda: lookup_price('x'),                                    # the client's error
                             lambda: memory_add_observations(observations=[{"entityName": "nobody", "contents": ["x"]}]),
                             lambda: everything_echo(message="x" * 10000),                 # arguments over the limit
                             lambda: lookup_price('big')):                                 # a value over the limit
                    try:
                        call()
                    except ToolError as e:
                        codes.append(e.code)
                n = 0
                try:
                    while True:
                        everything_echo(message="again")
                        n += 1
                except ToolError as e:
                    codes.append(e.code)
                print(codes, n)""");
        try (WsClient ws = WsClient.openSession(sessions)) {
            ws.sendJson("type", "user_message", "text", "fail", "tools", List.of(PRICE_TOOL));
            JsonNode first = ws.next("tool_call", TURN_MS);
            ws.sendJson("type", "tool_result", "call_id", first.get("call_id").asText(), "error", "no price for x");
            JsonNode big = ws.next(e -> "tool_call".equals(e.path("type").asText()) && "lookup_price".equals(e.path("tool").asText()),
                    TURN_MS, "the second lookup");
            ws.sendJson("type", "tool_result", "call_id", big.get("call_id").asText(), "value", "x".repeat(20_000));
            ws.sendJson("type", "tool_result", "call_id", big.get("call_id").asText(), "value", 1);
            JsonNode late = ws.next("error", TURN_MS);
            assertEquals("unknown_tool_call", late.get("code").asText(), "a second answer to one call is refused");
            List<JsonNode> events = ws.untilTurnEnd(TURN_MS);
            // 12 calls per action: 4 above (one never left the worker), then 8 echoes, then tool_limit.
            assertEquals("['tool_error', 'tool_error', 'tool_too_large', 'tool_too_large', 'tool_limit'] 8\n", output(events));
            List<JsonNode> results = ofType(ws.all(), "tool_result");
            assertEquals(11, results.size(), "the call over the argument limit and the one past the limit never left the worker");
            assertEquals("tool_too_large", results.get(2).path("error").path("code").asText(), "the value over the limit: " + results);
        }
    }

    /**
     * An MCP server's answer of megabytes, far over max-result-bytes: that call alone fails with
     * tool_too_large; the same server's next call, and every other server's, work at once.
     */
    @Test
    @Tag("abuse")
    void aHugeMcpResultFailsThatCallAlone() throws Exception {
        script("""
                try:
                    big_make(size=3000000)
                except ToolError as e:
                    print(e.code)
                print(len(big_make(size=10)), remote_get_sum(a=2, b=3), everything_echo(message='still here'))""");
        try (WsClient ws = WsClient.openSession(sessions)) {
            ws.sendJson("type", "user_message", "text", "make it big");
            String out = output(ws.untilTurnEnd(TURN_MS));
            assertEquals("tool_too_large\n10 The sum of 2 and 3 is 5. Echo: still here\n", out);
        }
        JsonNode servers = HttpApi.call("GET", tools.resolve("/v1/info"), null).json().get("mcp_servers");
        assertEquals("big", servers.get(0).get("name").asText(), servers.toString());
        assertTrue(servers.get(0).get("state").asText().startsWith("up"), "the server's connection stayed: " + servers);
    }

    /** What a stdio server writes to stderr is in the gateway's log, as WARN under the server's name. */
    @Test
    void aStdioServersStderrIsLoggedUnderItsName() throws Exception {
        String log = Files.readString(Path.of("target", "quarkus-test.log"));
        assertTrue(log.lines().anyMatch(l -> l.contains(" WARN ") && l.contains("MCP server 'everything' (stderr): Starting")),
                "server-everything says it starts, on stderr");
    }

    /** No answer within codeact.tools.call-timeout, from a client or an MCP server: ToolTimeout (a TimeoutError); the kernel keeps its state. */
    @Test
    void anUnansweredCallTimesOut() throws Exception {
        script("kept = 7\ntry:\n    lookup_price('slow')\nexcept TimeoutError as e:\n    print('timed out:', e.code)\n"
                + "try:\n    everything_trigger_long_running_operation(duration=30, steps=3)\nexcept TimeoutError as e:\n"
                + "    print('timed out:', e.code)", "print(kept)");
        try (WsClient ws = WsClient.openSession(sessions)) {
            ws.sendJson("type", "user_message", "text", "slow", "tools", List.of(PRICE_TOOL));
            List<JsonNode> events = ws.untilTurnEnd(TURN_MS);
            List<JsonNode> obs = ofType(events, "observation");
            assertEquals("timed out: tool_timeout\ntimed out: tool_timeout\n", obs.get(0).get("result").get("output").asText());
            assertEquals("7\n", obs.get(1).get("result").get("output").asText());
            List<JsonNode> results = ofType(events, "tool_result");
            assertEquals(List.of("tool_timeout", "tool_timeout"), results.stream().map(r -> r.get("error").get("code").asText()).toList());
        }
    }

    /**
     * What the code printed before a call reaches the client before the call; cancel while the code
     * waits for a tool interrupts the wait at once, and the kernel keeps its state.
     */
    @Test
    void cancelWhileACallWaitsInterruptsIt() throws Exception {
        script("waiting = True\nprint('asking')\nlookup_price('forever')");
        try (WsClient ws = WsClient.openSession(sessions)) {
            ws.sendJson("type", "user_message", "text", "wait", "tools", List.of(PRICE_TOOL));
            ws.next("tool_call", TURN_MS);
            List<String> before = ws.all().stream().filter(e -> Set.of("observation_chunk", "tool_call").contains(e.get("type").asText()))
                    .map(e -> e.get("type").asText() + ":" + e.path("text").asText(e.path("tool").asText())).toList();
            assertEquals(List.of("observation_chunk:asking\n", "tool_call:lookup_price"), before, "output first, then the call");
            ws.sendJson("type", "cancel");
            List<JsonNode> events = ws.untilTurnEnd(TURN_MS);
            assertEquals("cancelled", events.get(events.size() - 1).get("reason").asText());
            JsonNode result = ofType(events, "observation").get(0).get("result");
            assertEquals("KeyboardInterrupt", result.get("error").get("name").asText(), result.toString());
            assertFalse(result.get("restarted").asBoolean(), "interrupted, not killed");
            RealParts.model.reset();
            script("print(waiting)");
            ws.sendJson("type", "user_message", "text", "again");
            assertEquals("True\n", output(ws.untilTurnEnd(TURN_MS)));
        }
    }

    /** A call reaches only its own session's client; with none attached, it fails at once. */
    @Test
    void callsStayInTheirSessionAndNeedAClient() throws Exception {
        try (WsClient mine = WsClient.openSession(sessions); WsClient other = WsClient.openSession(sessions)) {
            other.sendJson("type", "user_message", "text", "declare", "tools", List.of(PRICE_TOOL));
            script();
            other.untilTurnEnd(TURN_MS);
            RealParts.model.reset();
            script("print(lookup_price('mine'))");
            mine.sendJson("type", "user_message", "text", "mine", "tools", List.of(PRICE_TOOL));
            JsonNode call = mine.next("tool_call", TURN_MS);
            // Answered over HTTP this time, as a client following the session by Server-Sent Events would.
            String id0 = mine.all().get(0).get("session").asText();
            URI answer = URI.create(sessions + "/" + id0 + "/tool-calls/" + call.get("call_id").asText());
            assertEquals(204, HttpApi.call("POST", answer, "{\"value\": 3}").status());
            assertEquals("3\n", output(mine.untilTurnEnd(TURN_MS)));
            HttpApi.Reply again = HttpApi.call("POST", answer, "{\"value\": 4}");
            assertEquals(404, again.status(), "one answer per call");
            assertEquals("unknown_tool_call", again.json().get("code").asText());
            assertEquals(400, HttpApi.call("POST", answer, "null").status(), "an answer needs a body");
            other.sendJson("type", "ping", "id", "after");
            JsonNode pong = other.next("pong", TURN_MS);
            assertEquals("after", pong.get("id").asText());
            assertTrue(other.all().stream().noneMatch(e -> e.toString().contains("mine")), "the other session saw nothing of it");

            String id = mine.all().get(0).get("session").asText();
            mine.close();
            Thread.sleep(200);
            JsonNode alone = HttpApi.call("POST", URI.create(sessions + "/" + id + "/execute"),
                    HttpApi.JSON.writeValueAsString(Map.of("code", "try:\n    lookup_price('x')\nexcept ToolError as e:\n    print(e.code)"))).json();
            assertEquals("tool_unavailable\n", alone.get("output").asText(), alone.toString());
        }
    }

    /** A stdio MCP server that dies is started again: a call meanwhile fails with a ToolError, later ones work. */
    @Test
    void anMcpServerThatDiesIsStartedAgain() throws Exception {
        List<ProcessHandle> memory = ProcessHandle.current().descendants()
                .filter(p -> p.info().commandLine().orElse("").contains("server-memory")).toList();
        assertEquals(1, memory.size(), "the gateway started the memory server: " + memory);
        memory.get(0).destroyForcibly();
        memory.get(0).onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
        String id = HttpApi.createSession(sessions);
        URI execute = URI.create(sessions + "/" + id + "/execute");
        String code = HttpApi.JSON.writeValueAsString(Map.of("code",
                "try:\n    print(type(memory_read_graph()).__name__)\nexcept (ToolError, NameError):\n    print('failed')"));
        String first = HttpApi.call("POST", execute, code).json().get("output").asText();
        assertEquals("failed\n", first, "the dead server's call fails (it times out, or the tool is gone already)");
        // The gateway notices (that timeout, or its next ping) and starts the server again: wait for it, a minute at most.
        List<String> seen = new ArrayList<>(List.of(first));
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!seen.get(seen.size() - 1).equals("dict\n")) {
            assertTrue(System.nanoTime() < deadline, "the memory server was not started again: " + seen);
            Thread.sleep(500);
            seen.add(HttpApi.call("POST", execute, code).json().get("output").asText());
        }
        assertEquals(1, ProcessHandle.current().descendants()
                .filter(p -> p.info().commandLine().orElse("").contains("server-memory")).count(), "one new memory server");
    }

    /** A stdio MCP server gets a minimal environment, never the gateway's (its model key, its settings). */
    @Test
    void anMcpServerDoesNotSeeTheGatewaysEnvironment() throws Exception {
        script("import json\nenv = everything_get_env()\nprint(sorted(json.loads(env) if isinstance(env, str) else env))");
        try (WsClient ws = WsClient.openSession(sessions)) {
            ws.sendJson("type", "user_message", "text", "env");
            String printed = output(ws.untilTurnEnd(TURN_MS));
            Set<String> allowed = Set.of("HOME", "LOGNAME", "PATH", "SHELL", "TERM", "USER");
            for (Iterator<String> names = System.getenv().keySet().iterator(); names.hasNext(); ) {
                String name = names.next();
                if (!allowed.contains(name)) {
                    assertFalse(printed.contains("'" + name + "'"), name + " of the gateway's environment reached the MCP server: " + printed);
                }
            }
            assertTrue(printed.contains("'PATH'"), "the minimal environment is there: " + printed);
        }
    }
}
