package dev.codeact.contract;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * A tool as Python sees it, worked out once by the gateway from its JSON Schema: the kernel builds
 * the function's signature and docstring from it, and the system prompt shows the same signature
 * (see docs/tools.md). Required parameters come first; an optional one without a default gets None.
 *
 * <p>A parameter's {@code type} and the tool's {@code returns} are annotation names: {@code str},
 * {@code int}, {@code float}, {@code bool}, {@code list}, {@code dict} or {@code Any}. A parameter
 * whose JSON name is not a Python identifier gets one, and {@code key} keeps the JSON name.
 */
public record PythonTool(String name, String doc, List<Param> params, String returns) {

    public record Param(String name, String key, String type, boolean required, JsonNode defaultValue) {}
}
