package dev.codeact.tools;

import dev.codeact.contract.PythonTool;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tools of one session: its client's, and the MCP tools its principal may call, by Python name.
 * The kernel defines {@link #python()}; the system prompt shows {@link #prompt()}.
 */
public final class Toolbox {

    public static final Toolbox EMPTY = new Toolbox(List.of());

    static final String INTRODUCTION = """
            The Python environment also has these tools: functions to call from your code like any other \
            (they are in the module `tools` too). Loop over them, combine their results and check them in Python. \
            A call that fails raises ToolError (its `.code` says why).
            """;

    /** One tool; {@code mcp} is null for a client tool (a client of the session answers it). */
    public record Entry(PythonTool python, McpServers.Tool mcp) {}

    private final Map<String, Entry> byName;
    private final List<PythonTool> python;
    private final String prompt;

    Toolbox(List<Entry> entries) {
        Map<String, Entry> map = new LinkedHashMap<>();
        entries.forEach(e -> map.put(e.python().name(), e));
        this.byName = Collections.unmodifiableMap(map);
        this.python = map.values().stream().map(Entry::python).toList();
        StringBuilder text = new StringBuilder();
        if (!python.isEmpty()) {
            text.append(INTRODUCTION).append("\n```python\n");
            List<String> stubs = new ArrayList<>();
            python.forEach(t -> stubs.add(PythonSignatures.source(t)));
            text.append(String.join("\n", stubs)).append("```\n");
        }
        this.prompt = text.toString();
    }

    public Entry get(String name) {
        return byName.get(name);
    }

    /** What the kernel defines, in the prompt's order. */
    public List<PythonTool> python() {
        return python;
    }

    /** What a job carries for the kernel to define: null when there are none (the job's JSON then leaves them out). */
    public List<PythonTool> forJob() {
        return python.isEmpty() ? null : python;
    }

    /** The system prompt's section on tools; empty when there are none. */
    public String prompt() {
        return prompt;
    }

    public boolean isEmpty() {
        return byName.isEmpty();
    }
}
