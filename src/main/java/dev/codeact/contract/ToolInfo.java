package dev.codeact.contract;

/**
 * {@code GET /v1/tools}: one of the gateway's tools as the caller's sessions get it.
 *
 * @param source    {@code mcp:<server>}
 * @param signature the Python signature, e.g. {@code (a: float, b: float) -> Any}
 * @param doc       its docstring
 */
public record ToolInfo(String name, String source, String signature, String doc) {}
