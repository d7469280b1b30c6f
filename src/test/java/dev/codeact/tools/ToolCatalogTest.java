package dev.codeact.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codeact.config.ToolsConfig;
import dev.codeact.contract.ToolSpec;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Who gets which tools: the allow-list's globs per principal, and a session's client tools. */
class ToolCatalogTest {

    static ToolsConfig config(Map<String, List<String>> allow, List<String> defaultAllow) {
        return new ToolsConfig() {
            public Duration callTimeout() { return Duration.ofSeconds(30); }
            public int maxCallsPerAction() { return 100; }
            public int maxArgumentBytes() { return 1 << 18; }
            public int maxResultBytes() { return 1 << 20; }
            public Duration mcpStartTimeout() { return Duration.ofSeconds(30); }
            public Map<String, List<String>> allow() { return allow; }
            public List<String> defaultAllow() { return defaultAllow; }
            public Map<String, McpServer> mcp() { return Map.of(); }
        };
    }

    static ToolCatalog catalog(Map<String, List<String>> allow, List<String> defaultAllow) {
        ToolsConfig config = config(allow, defaultAllow);
        return new ToolCatalog(new McpServers(config, null), config);
    }

    @Test
    void eachPrincipalGetsWhatItsGlobsMatchOthersTheDefault() {
        ToolCatalog tools = catalog(Map.of("alice", List.of("memory_*", "search_query"), "bob", List.of("none")), List.of("*"));
        assertTrue(tools.allowed("alice", "memory_read_graph"));
        assertTrue(tools.allowed("alice", "search_query"));
        assertFalse(tools.allowed("alice", "search_query_all"), "a glob matches the whole name");
        assertFalse(tools.allowed("alice", "everything_echo"));
        assertFalse(tools.allowed("bob", "memory_read_graph"), "none: no MCP tool");
        assertTrue(tools.allowed("carol", "anything"), "a principal not listed gets the default");
        assertFalse(catalog(Map.of(), List.of("none")).allowed("carol", "memory_read_graph"));
        assertTrue(catalog(Map.of(), List.of("memory_?ead_graph")).allowed("carol", "memory_read_graph"));
        assertFalse(catalog(Map.of(), List.of("memory.read_graph")).allowed("carol", "memory_read_graph"),
                "a glob's other characters are literal");
    }

    @Test
    void aSessionsClientToolsAreInItsToolboxAfterTheGatewaysOnes() {
        ToolCatalog tools = catalog(Map.of(), List.of("*"));
        assertTrue(tools.forSession("alice", List.of()).isEmpty());
        assertEquals("", tools.forSession("alice", List.of()).prompt(), "no tools: nothing is added to the prompt");
        Toolbox box = tools.forSession("alice", List.of(new ToolSpec("ask_user", "Ask.", null)));
        assertEquals(List.of("ask_user"), box.python().stream().map(t -> t.name()).toList());
        assertNull(box.get("ask_user").mcp(), "a client tool");
        assertTrue(box.prompt().startsWith(Toolbox.INTRODUCTION), box.prompt());
        assertTrue(box.prompt().contains("def ask_user() -> Any:\n    \"\"\"Ask.\"\"\"\n"), box.prompt());
        assertNull(tools.clash(List.of(new ToolSpec("ask_user", "", null))));
    }
}
