package dev.codeact.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.networknt.schema.Schema;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The schema in spec/ is what the contract's records generate, and every other description of the
 * wire (the JavaScript client and page, the Python kernel, the JSON examples in docs/) agrees with it.
 * {@code mvn test -Dtest=ContractSchemaTest -Dspec.write=true} rewrites the schema after a change to the records.
 */
class ContractSchemaTest {

    static JsonNode schema;

    @BeforeAll
    static void generate() throws IOException {
        String generated = WireJson.MAPPER.writer().with(SerializationFeature.INDENT_OUTPUT)
                .writeValueAsString(ContractSchema.generate()) + "\n";
        schema = WireJson.MAPPER.readTree(generated);
        if (Boolean.getBoolean("spec.write")) {
            Files.createDirectories(ContractSchema.FILE.getParent());
            Files.writeString(ContractSchema.FILE, generated);
            Files.writeString(ContractTypes.FILE, ContractTypes.generate(schema));
        }
    }

    @Test
    void theClientsTypeDeclarationsAreTheGeneratedOnesAndDeclareItsApi() throws IOException {
        assertEquals(ContractTypes.generate(schema), Files.exists(ContractTypes.FILE) ? Files.readString(ContractTypes.FILE) : "",
                ContractTypes.FILE + " is not what the schema generates: run mvn test -Dtest=ContractSchemaTest -Dspec.write=true");
        String client = Files.readString(Path.of("clients/js/codeact-client.js"));
        Set<String> classes = all(client, "\\nexport class ([A-Za-z]+)");
        assertEquals(Set.of("CodeActError", "CodeActApi", "CodeActClient"), classes);
        Map<String, Set<String>> internal = Map.of("CodeActClient", Set.of("sendFrame", "openSocket", "refusal", "emit", "answerTool"),
                "CodeActApi", Set.of("json", "call", "stream"), "CodeActError", Set.of());
        for (String name : classes) {
            Set<String> methods = all(one(client, "\\nexport class " + name + "[^{]*\\{(.*?)\\n\\}\\n"),
                    "\\n  (?:async\\* )?([a-z][A-Za-z]*)\\([^)]*\\) \\{");
            Set<String> declared = all(one(ContractTypes.CLIENT_API, "declare class " + name + "[^{]*\\{(.*?)\\n\\}"),
                    "\\n  ([a-z][A-Za-z]*)[<(]");
            assertTrue(methods.containsAll(declared), name + ": declared " + declared + ", the module has " + methods);
            Set<String> undeclared = new TreeSet<>(methods);
            undeclared.removeAll(declared);
            undeclared.removeAll(internal.get(name));
            assertEquals(Set.of(), undeclared, name + ": every public method of the module is declared");
        }
    }

    @Test
    void theCommittedSchemaIsTheGeneratedOne() throws IOException {
        assertTrue(Files.exists(ContractSchema.FILE), ContractSchema.FILE + " is missing: run mvn test -Dtest=ContractSchemaTest -Dspec.write=true");
        assertEquals(schema, WireJson.MAPPER.readTree(Files.readString(ContractSchema.FILE)),
                ContractSchema.FILE + " is not what the records of dev.codeact.contract generate (it is never edited by hand): "
                        + "run mvn test -Dtest=ContractSchemaTest -Dspec.write=true and commit it");
    }

    @Test
    void everyServerEventTheCodecWritesMatches() throws IOException {
        ExecutionResult result = new ExecutionResult("1\n", "2", new ExecutionResult.ErrorInfo("ValueError", "x", "tb"),
                List.of(new Display(Display.DISPLAY, Map.of("image/png", "iVBO", "text/plain", "<Figure size 640x480 with 1 Axes>"))), 3, false, false, false, false, "runsc", null, null,
                List.of(new FileInfo("data.csv", 12_345, 1_764_129_600_000L)));
        List<ServerEvent> events = List.of(new ServerEvent.SessionInfo(1, "alice", "m", true, 5), new ServerEvent.TurnStart(1, "hi", List.of("data.csv")),
                new ServerEvent.Token(1, "Let"), new ServerEvent.Action(1, "a-1", 1, "print(1)"),
                new ServerEvent.ObservationChunk(1, "a-1", "stdout", "1\n"),
                new ServerEvent.ActionRestarted(1, "a-1", 2, "the worker running it stopped answering"), new ServerEvent.Observation(1, "a-1", result, "1"),
                new ServerEvent.TurnEnd(1, TurnEndReason.ANSWER.wire(), 1, 10, new Usage(3, 4)),
                ServerEvent.Error.of(ErrorCode.NO_MODEL, "no model"), new ServerEvent.EventsLost(4, 9), new ServerEvent.Pong("p"),
                new ServerEvent.Files(List.of(new FileInfo("data.csv", 12, 1_764_129_600_000L))),
                new ServerEvent.ToolCall(1, "a-1", "a-1:1", "memory_read_graph", WireJson.MAPPER.createObjectNode(), "mcp:memory"),
                new ServerEvent.ToolResult(1, "a-1", "a-1:1", "memory_read_graph", WireJson.MAPPER.createObjectNode().put("n", 1),
                        null, 12),
                new ServerEvent.ToolResult(null, "x-1", "x-1:2", "ask_user", null,
                        ToolFailure.of(ErrorCode.TOOL_TIMEOUT, "no client answered ask_user within 30000 ms"), 30_000));
        assertEquals(Set.of(ServerEvent.class.getPermittedSubclasses()), Set.copyOf(events.stream().map(Object::getClass).toList()),
                "one sample per event type");
        Schema validator = ContractSchema.validator(schema, "ServerEvent");
        for (ServerEvent event : events) {
            String json = WireCodec.encodeServer("s-1", 7, event);
            assertEquals("", ContractSchema.problems(validator, WireJson.MAPPER.readTree(json)), json);
        }
        assertTrue(!ContractSchema.problems(validator, WireJson.MAPPER.readTree(
                WireCodec.encodeServer("s-1", 7, new ServerEvent.Error("no_such_code", "x", null, null)))).isEmpty(),
                "an error code the contract does not name is refused");
    }

    @Test
    void theRedisPayloadsMatch() throws IOException {
        Job job = new Job(QueueCodec.VERSION, "a-1", "s-1", "codeact:results:g", "print(1)", 1000, 1, null, null, null, "alice");
        Result chunk = Result.chunk("s-1", "a-1", "w", "stdout", "1\n").numbered(1, 1);
        Result end = Result.observation("s-1", "a-1", "w", new ExecutionResult("", null, null, null, 1, false, false, false, false,
                "runsc", null, null, null));
        Map<String, Object> payloads = Map.of("Job", job, "Result", chunk, "CancelRequest", new CancelRequest(1, "s-1", "a-1"),
                "KernelRelease", new KernelRelease(1, "s-1", null), "SessionTaken", new SessionTaken(1, "s-1", "g"));
        for (var entry : payloads.entrySet()) {
            String json = QueueCodec.encode(entry.getValue());
            assertEquals("", ContractSchema.problems(ContractSchema.validator(schema, entry.getKey()), WireJson.MAPPER.readTree(json)), json);
        }
        String json = QueueCodec.encode(end);
        assertEquals("", ContractSchema.problems(ContractSchema.validator(schema, "Result"), WireJson.MAPPER.readTree(json)), json);
    }

    /** Every ```json block of docs/ names the definition it shows ("```json ServerEvent"), or says "external". */
    @Test
    void everyJsonExampleInTheDocsMatches() throws IOException {
        Pattern block = Pattern.compile("```json([^\\n]*)\\n(.*?)```", Pattern.DOTALL);
        List<String> problems = new ArrayList<>();
        int checked = 0;
        try (Stream<Path> docs = Stream.concat(Stream.of(Path.of("README.md")), Files.list(Path.of("docs")))) {
            for (Path doc : docs.filter(p -> p.toString().endsWith(".md")).sorted().toList()) {
                Matcher m = block.matcher(Files.readString(doc));
                while (m.find()) {
                    String definition = m.group(1).trim();
                    String where = doc + " at \"" + m.group(2).strip().lines().findFirst().orElse("") + "\"";
                    if (definition.equals("external")) {
                        continue;
                    }
                    if (definition.isEmpty() || !schema.get("$defs").has(definition)) {
                        problems.add(where + ": the block must name a definition of the schema after ```json (or say external)");
                        continue;
                    }
                    String found = ContractSchema.problems(ContractSchema.validator(schema, definition), WireJson.MAPPER.readTree(m.group(2)));
                    checked++;
                    if (!found.isEmpty()) {
                        problems.add(where + ": " + found);
                    }
                }
            }
        }
        assertEquals(List.of(), problems);
        assertTrue(checked >= 15, "the docs' examples were found (" + checked + ")");
    }

    @Test
    void theJavaScriptClientAndPageSpeakTheContract() throws IOException {
        Set<String> serverTypes = types("ServerEvent");
        Set<String> clientTypes = types("ClientEvent");
        Set<String> codes = new TreeSet<>();
        schema.at("/$defs/ErrorCode/enum").forEach(code -> codes.add(code.asText()));
        assertTrue(codes.contains("no_model"));

        String client = Files.readString(Path.of("clients/js/codeact-client.js"));
        assertEquals(serverTypes, strings(one(client, "const EVENT_TYPES = \\[(.*?)\\];")), "codeact-client.js EVENT_TYPES");
        Set<String> used = new TreeSet<>(strings(one(client, "const FINAL_REFUSALS = \\[(.*?)\\];")));
        used.addAll(all(client, "code: '([a-z_]+)'"));
        assertTrue(codes.containsAll(used), "error codes codeact-client.js uses: " + used + ", the contract's: " + codes);
        Set<String> sent = all(client, "(?:sendFrame\\(|JSON\\.stringify\\()\\{ type: '([a-z_]+)'");
        assertEquals(Set.of("user_message", "cancel", "ping", "tool_result"), sent, "frames codeact-client.js sends");
        assertTrue(clientTypes.containsAll(sent), "frames codeact-client.js sends: " + sent);

        String page = Files.readString(Path.of("src/main/resources/META-INF/resources/app.js"));
        Set<String> handled = all(one(page, "const on = \\{(.*?)\\n\\};"), "\\n  ([a-z_]+)\\(e\\) \\{");
        assertTrue(handled.size() >= 8 && serverTypes.containsAll(handled), "events app.js handles: " + handled);
        Set<String> pageCodes = strings(one(page, "\\[([^\\]]*)\\]\\.includes\\(err\\.event\\.code\\)"));
        assertTrue(!pageCodes.isEmpty() && codes.containsAll(pageCodes), "error codes app.js uses: " + pageCodes);
    }

    /** An object with a rendering for every MIME type the kernel asks for, and one it must not pass on. */
    static final String EVERY_RENDERING = """
            class Every:
                def _repr_mimebundle_(self, include=None, exclude=None):
                    return {'application/vnd.unknown+json': '{}', 'text/html': '<b>e</b>'}
                def _repr_markdown_(self): return '*e*'
                def _repr_svg_(self): return '<svg/>'
                def _repr_png_(self): return b'png'
                def _repr_jpeg_(self): return b'jpeg'
                def _repr_latex_(self): return '$e$'
            display(Every())
            Every()""";

    /** The kernel, run alone (unsandboxed) on this machine's python3, answers in frames the schema allows. */
    @Test
    void theKernelsFramesMatch() throws Exception {
        Schema frames = ContractSchema.validator(schema, "KernelFrame");
        Schema commands = ContractSchema.validator(schema, "KernelCommand");
        Path workdir = Files.createTempDirectory("kernel-frames");
        Process kernel = new ProcessBuilder("python3", "-I", Path.of("src/main/resources/kernel/codeact_kernel.py").toAbsolutePath().toString())
                .directory(workdir.toFile()).start();
        try (OutputStream in = kernel.getOutputStream();
             BufferedReader out = new BufferedReader(new InputStreamReader(kernel.getInputStream(), StandardCharsets.UTF_8))) {
            List<JsonNode> seen = new ArrayList<>();
            seen.add(WireJson.MAPPER.readTree(out.readLine()));
            List<KernelCommand> cells = new ArrayList<>(List.of(
                    KernelCommand.exec("c1", "import sys\nprint('out')\nprint('err', file=sys.stderr)\n6 * 7", null),
                    KernelCommand.exec("c2", "1 / 0", null), KernelCommand.exec("c3", EVERY_RENDERING, null),
                    KernelCommand.file("f1", FileOp.piece("a.txt", true, "aA==", false)),
                    KernelCommand.file("f1b", FileOp.piece("a.txt", false, "aQ==", true)), KernelCommand.file("f2", FileOp.get("a.txt")),
                    KernelCommand.file("f3", FileOp.delete("a.txt")), KernelCommand.file("f4", FileOp.list())));
            // The kernel's own name rule must be FileOp's: each of these is put, and refused exactly when FileOp refuses it.
            List<String> names = List.of("ok name.txt", "../up", ".hidden", "trailing ", "-dash", "x".repeat(128), "x".repeat(129), "a/b", "é.txt");
            for (int i = 0; i < names.size(); i++) {
                cells.add(KernelCommand.file("n" + i, FileOp.piece(names.get(i), true, "", true)));
            }
            // A tool, defined by the exec that uses it: its call comes out as a frame, its answer goes in as a command.
            PythonTool sum = new PythonTool("get_sum", "Adds.", List.of(new PythonTool.Param("a", null, "float", true, null),
                    new PythonTool.Param("b", "b-value", "float", false, WireJson.MAPPER.getNodeFactory().numberNode(2))), "Any");
            cells.add(KernelCommand.exec("t1", "print(get_sum(1), tools.get_sum.__doc__)", List.of(sum)));
            cells.add(KernelCommand.ALIVE);
            for (KernelCommand cell : cells) {
                String line = WireJson.MAPPER.writeValueAsString(cell);
                assertEquals("", ContractSchema.problems(commands, WireJson.MAPPER.readTree(line)), line);
                in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                in.flush();
                while (cell != KernelCommand.ALIVE) {
                    JsonNode frame = WireJson.MAPPER.readTree(out.readLine());
                    seen.add(frame);
                    if (KernelFrame.TOOL_CALL.equals(frame.path("ev").asText())) {
                        assertEquals("{\"a\":1}", frame.get("args").toString(), "only the arguments given are sent");
                        String answer = WireJson.MAPPER.writeValueAsString(KernelCommand.toolResult(frame.get("call").asText(),
                                WireJson.MAPPER.getNodeFactory().numberNode(3), null));
                        assertEquals("", ContractSchema.problems(commands, WireJson.MAPPER.readTree(answer)), answer);
                        in.write((answer + "\n").getBytes(StandardCharsets.UTF_8));
                        in.flush();
                    }
                    if (KernelFrame.DONE.equals(frame.path("ev").asText())) {
                        break;
                    }
                }
            }
            Set<String> kinds = new LinkedHashSet<>();
            for (JsonNode frame : seen) {
                kinds.add(frame.path("ev").asText());
                assertEquals("", ContractSchema.problems(frames, frame), frame.toString());
                WireJson.MAPPER.treeToValue(frame, KernelFrame.class);
            }
            assertEquals(Set.of(KernelFrame.READY, KernelFrame.STREAM, KernelFrame.DONE, KernelFrame.TOOL_CALL), kinds);
            assertEquals("3 Adds.\n", seen.stream().filter(f -> "t1".equals(f.path("id").asText()) && f.has("text"))
                    .map(f -> f.get("text").asText()).reduce("", String::concat), "the tool's value came back into the code");
            for (int i = 0; i < names.size(); i++) {
                String id = "n" + i;
                JsonNode done = seen.stream().filter(f -> id.equals(f.path("id").asText())).findFirst().orElseThrow();
                assertEquals(!FileOp.validName(names.get(i)), "FileNameError".equals(done.path("error").path("name").asText()),
                        "the kernel and FileOp agree on " + names.get(i) + ": " + done);
            }
            JsonNode got = seen.stream().filter(f -> "f2".equals(f.path("id").asText())).findFirst().orElseThrow();
            assertEquals("aGk=", got.get("text").asText());
            assertEquals("file", got.get("name").asText(), "a get's file comes in stream frames named file");
            JsonNode rich = seen.stream().filter(f -> "c3".equals(f.path("id").asText()) && f.has("displays")).findFirst().orElseThrow()
                    .get("displays");
            assertEquals(2, rich.size(), rich.toString());
            assertEquals(Display.MIME_TYPES, Set.copyOf(WireJson.MAPPER.convertValue(rich.get(1).get("data"), Map.class).keySet()),
                    "the kernel asks for every MIME type the contract has, and passes on no other");
        } finally {
            kernel.destroy();
            kernel.waitFor(10, TimeUnit.SECONDS);
            try (Stream<Path> left = Files.walk(workdir)) {
                left.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static Set<String> types(String union) {
        Set<String> out = new TreeSet<>();
        for (JsonNode ref : schema.at("/$defs/" + union + "/oneOf")) {
            String name = ref.get("$ref").asText().substring("#/$defs/".length());
            out.add(schema.at("/$defs/" + name.replace("~1", "/") + "/properties/type/const").asText());
        }
        return out;
    }

    private static String one(String text, String regex) {
        Matcher m = Pattern.compile(regex, Pattern.DOTALL).matcher(text);
        if (!m.find()) {
            fail("not found: " + regex);
        }
        return m.groupCount() > 0 ? m.group(1) : m.group();
    }

    private static Set<String> all(String text, String regex) {
        Set<String> out = new TreeSet<>();
        Matcher m = Pattern.compile(regex).matcher(text);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    private static Set<String> strings(String list) {
        return all(list, "'([^']*)'");
    }
}
