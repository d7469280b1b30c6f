package dev.codeact.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codeact.contract.PythonTool;
import dev.codeact.contract.ToolSpec;
import dev.codeact.contract.WireJson;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** JSON Schema to Python: what the prompt shows, and that the kernel builds the same signature. */
class PythonSignaturesTest {

    /** The memory MCP server's create_entities, as it lists it. */
    static final String CREATE_ENTITIES = """
            {"type":"object","properties":{"entities":{"type":"array","items":{"type":"object","properties":{
              "name":{"type":"string","description":"The name of the entity"},
              "entityType":{"type":"string"},
              "observations":{"type":"array","items":{"type":"string"}}},
              "required":["name","entityType","observations"]}}},"required":["entities"]}""";

    /** Every kind of parameter: optional with and without defaults, enums, a JSON name that is no identifier, a keyword. */
    static final String MIXED = """
            {"type":"object","properties":{
              "count":{"type":"integer","default":3,"description":"How many\\n(1-10)"},
              "mode":{"type":"string","enum":["fast","it's"],"default":"fast"},
              "entity-type":{"type":["string","null"]},
              "from":{"type":"number"},
              "flags":{"type":"object","properties":{"deep":{"type":"boolean"}}},
              "any":{}},
             "required":["from"]}""";

    static ToolSpec spec(String name, String description, String schema) throws IOException {
        return new ToolSpec(name, description, WireJson.MAPPER.readTree(schema));
    }

    @Test
    void anMcpToolBecomesAStubWithItsArgsDescribed() throws IOException {
        PythonTool tool = PythonSignatures.of(spec("memory_create_entities", "Create multiple new entities", CREATE_ENTITIES), "dict");
        assertEquals("""
                def memory_create_entities(entities: list) -> dict:
                    \"""Create multiple new entities

                    Args:
                        entities (list[{name: str, entityType: str, observations: list[str]}])
                    \"""
                """, PythonSignatures.source(tool));
    }

    @Test
    void requiredComeFirstOptionalsGetTheirDefaultOrNoneAndNamesBecomeIdentifiers() throws IOException {
        PythonTool tool = PythonSignatures.of(spec("pick", "", MIXED), "Any");
        assertEquals("(from_: float, count: int = 3, mode: str = 'fast', entity_type: str = None, flags: dict = None, "
                + "any: Any = None) -> Any", PythonSignatures.signature(tool));
        assertEquals("from", tool.params().get(0).key(), "the JSON name is kept for the call");
        assertEquals("entity-type", tool.params().get(3).key());
        assertTrue(tool.doc().contains("count (int, optional): How many\n        (1-10)"), tool.doc());
        assertTrue(tool.doc().contains("mode (str: one of 'fast', \"it's\", optional)"), tool.doc());
        assertTrue(tool.doc().contains("flags ({deep?: bool}, optional)"), tool.doc());
    }

    @Test
    void aToolWithoutParametersAndADocstringWithQuotesStaysValidPython() throws IOException {
        PythonTool tool = PythonSignatures.of(new ToolSpec("now", "Says \"\"\"now\"\"\" \\ then", null), "Any");
        assertEquals("def now() -> Any:\n    \"\"\"Says \\\"\\\"\\\"now\\\"\\\"\\\" \\\\ then\"\"\"\n", PythonSignatures.source(tool));
    }

    @Test
    void mcpToolsAreNamedAfterTheirServer() {
        assertEquals("everything_get_sum", PythonSignatures.mcpName("everything", "get-sum"));
        assertEquals("memory_read_graph", PythonSignatures.mcpName("memory", "read_graph"));
    }

    /** The kernel makes the same signature of the same PythonTool as the prompt shows (inspect prints it). */
    @Test
    void theKernelsSignaturesAreThePromptsOnes() throws Exception {
        List<PythonTool> tools = List.of(PythonSignatures.of(spec("memory_create_entities", "x", CREATE_ENTITIES), "dict"),
                PythonSignatures.of(spec("pick", "", MIXED), "Any"), PythonSignatures.of(new ToolSpec("now", "", null), "Any"));
        String script = """
                import importlib.util, inspect, json, sys
                tools = json.loads(sys.stdin.read())  # before the kernel moves its stdin aside
                spec = importlib.util.spec_from_file_location("k", sys.argv[1])
                k = importlib.util.module_from_spec(spec); spec.loader.exec_module(k)
                ns = {}
                k.TOOLS.define(tools, ns)
                for name in k.TOOLS.module.__all__:
                    print(name + str(inspect.signature(ns[name])))
                """;
        Process python = new ProcessBuilder("python3", "-I", "-c", script,
                Path.of("src/main/resources/kernel/codeact_kernel.py").toAbsolutePath().toString()).redirectErrorStream(true).start();
        python.getOutputStream().write(WireJson.MAPPER.writeValueAsBytes(tools));
        python.getOutputStream().close();
        String printed = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(python.waitFor(30, TimeUnit.SECONDS));
        String expected = tools.stream().sorted((a, b) -> a.name().compareTo(b.name()))
                .map(t -> t.name() + PythonSignatures.signature(t) + "\n").reduce("", String::concat);
        assertEquals(expected, printed);
    }

    /** The prompt's section: nothing without tools; with them, the introduction and each stub. */
    @Test
    void aToolboxListsItsToolsAfterTheIntroduction() {
        assertEquals("", Toolbox.EMPTY.prompt());
        Toolbox box = new Toolbox(List.of(new Toolbox.Entry(PythonSignatures.of(new ToolSpec("ask_user", "Ask.", null), "Any"), null)));
        assertTrue(box.prompt().startsWith(Toolbox.INTRODUCTION), box.prompt());
        assertTrue(box.prompt().contains("```python\ndef ask_user() -> Any:\n    \"\"\"Ask.\"\"\"\n```\n"), box.prompt());
        assertEquals(null, box.get("ask_user").mcp(), "a client tool");
    }

    @Test
    void aJsonValueIsWrittenAsPythonsRepr() throws IOException {
        JsonNode value = WireJson.MAPPER.readTree("{\"a\":[true,false,null,1.5,\"x'y\",\"q\\\"'\"]}");
        assertEquals("{'a': [True, False, None, 1.5, \"x'y\", 'q\"\\'']}", PythonSignatures.literal(value));
    }
}
