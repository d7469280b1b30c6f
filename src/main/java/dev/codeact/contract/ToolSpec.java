package dev.codeact.contract;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A tool as a client declares it on {@code user_message} (and as an MCP server lists it, once
 * named for Python): the kernel defines a Python function {@code name} whose parameters are the
 * properties of {@code parameters}, a JSON Schema of type {@code object} (null: no parameters).
 */
public record ToolSpec(@Required String name, String description, JsonNode parameters) {

    /** A Python identifier of at most 64 characters (Python's keywords are refused separately). */
    public static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,63}");
    public static final int MAX_PER_CLIENT = 64;
    public static final int MAX_DESCRIPTION = 4000;
    /** Python's keywords (and the soft ones a function could not be called by), which no tool may be named. */
    public static final Set<String> KEYWORDS = Set.of("False", "None", "True", "and", "as", "assert", "async", "await",
            "break", "class", "continue", "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if",
            "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with",
            "yield", "match", "case", "type", "_");

    public static boolean validName(String name) {
        return name != null && NAME.matcher(name).matches() && !KEYWORDS.contains(name);
    }
}
