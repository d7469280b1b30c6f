package dev.codeact.tools;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codeact.contract.PythonTool;
import dev.codeact.contract.ToolSpec;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * JSON Schema to Python, in one place: the signature and docstring a tool gets in the kernel
 * ({@link PythonTool}), and the same as Python source for the system prompt (the M3ToolEval style:
 * the model sees functions it can call).
 */
public final class PythonSignatures {

    private static final Map<String, String> TYPES = Map.of("string", "str", "integer", "int", "number", "float",
            "boolean", "bool", "array", "list", "object", "dict");
    /** How deep the docstring describes nested arrays and objects. */
    private static final int DEPTH = 3;

    private PythonSignatures() {}

    /** @param returns the annotation of the value the tool gives back */
    public static PythonTool of(ToolSpec spec, String returns) {
        JsonNode properties = spec.parameters() == null ? null : spec.parameters().get("properties");
        Set<String> required = new HashSet<>();
        JsonNode list = field(spec.parameters(), "required");
        if (list != null && list.isArray()) {
            list.forEach(r -> required.add(r.asText()));
        }
        List<PythonTool.Param> first = new ArrayList<>();
        List<PythonTool.Param> then = new ArrayList<>();
        StringBuilder args = new StringBuilder();
        Set<String> names = new HashSet<>();
        if (properties != null && properties.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = properties.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> p = it.next();
                String name = identifier(p.getKey(), names);
                boolean needed = required.contains(p.getKey());
                JsonNode schema = p.getValue();
                JsonNode fallback = needed ? null : schema.get("default");
                (needed ? first : then).add(new PythonTool.Param(name, name.equals(p.getKey()) ? null : p.getKey(),
                        type(schema), needed, fallback));
                args.append("\n    ").append(name).append(" (").append(described(schema, DEPTH)).append(needed ? "" : ", optional")
                        .append(')');
                JsonNode description = field(schema, "description");
                if (description != null && description.isTextual() && !description.asText().isBlank()) {
                    args.append(": ").append(description.asText().strip().replace("\n", "\n        "));
                }
            }
        }
        first.addAll(then);
        String doc = spec.description() == null ? "" : spec.description().strip();
        if (!args.isEmpty()) {
            doc = (doc.isEmpty() ? "" : doc + "\n\n") + "Args:" + args;
        }
        return new PythonTool(spec.name(), doc, List.copyOf(first), returns);
    }

    /** The tool as the system prompt shows it: a Python stub with its docstring. */
    public static String source(PythonTool tool) {
        StringBuilder out = new StringBuilder("def ").append(tool.name()).append('(');
        for (int i = 0; i < tool.params().size(); i++) {
            PythonTool.Param p = tool.params().get(i);
            out.append(i == 0 ? "" : ", ").append(p.name()).append(": ").append(p.type());
            if (!p.required()) {
                out.append(" = ").append(literal(p.defaultValue()));
            }
        }
        out.append(") -> ").append(tool.returns()).append(":\n");
        String doc = tool.doc().isEmpty() ? "" : tool.doc().replace("\\", "\\\\").replace("\"\"\"", "\\\"\\\"\\\"");
        return out.append("    \"\"\"").append(doc.replaceAll("\n(?!\n)", "\n    ")).append(doc.contains("\n") ? "\n    " : "")
                .append("\"\"\"\n").toString();
    }

    /** The signature's text as Python's inspect module prints it, e.g. {@code (a: float, b: int = 3) -> Any}. */
    public static String signature(PythonTool tool) {
        String source = source(tool);
        return source.substring(source.indexOf('('), source.indexOf(":\n"));
    }

    private static JsonNode field(JsonNode node, String name) {
        return node == null ? null : node.get(name);
    }

    static String type(JsonNode schema) {
        String json = jsonType(schema);
        return json == null ? "Any" : TYPES.getOrDefault(json, "Any");
    }

    /** The schema's one JSON type ({@code ["string", "null"]} is a string); null when it has none or several. */
    private static String jsonType(JsonNode schema) {
        JsonNode type = field(schema, "type");
        if (type == null) {
            return null;
        }
        if (type.isTextual()) {
            return type.asText();
        }
        String one = null;
        for (JsonNode t : type) {
            if (!"null".equals(t.asText())) {
                if (one != null) {
                    return null;
                }
                one = t.asText();
            }
        }
        return one;
    }

    /** A compact type for the docstring: {@code list[{name: str, tags?: list[str]}]}, {@code str: one of 'a', 'b'}. */
    private static String described(JsonNode schema, int depth) {
        String type = type(schema);
        JsonNode items = field(schema, "items");
        if (depth > 0 && "list".equals(type) && items != null && items.isObject()) {
            return "list[" + described(items, depth - 1) + "]";
        }
        JsonNode props = field(schema, "properties");
        if (depth > 0 && "dict".equals(type) && props != null && props.isObject() && !props.isEmpty()) {
            Set<String> required = new HashSet<>();
            JsonNode list = field(schema, "required");
            if (list != null && list.isArray()) {
                list.forEach(r -> required.add(r.asText()));
            }
            StringBuilder out = new StringBuilder("{");
            props.fields().forEachRemaining(p -> out.append(out.length() > 1 ? ", " : "").append(p.getKey())
                    .append(required.contains(p.getKey()) ? "" : "?").append(": ").append(described(p.getValue(), depth - 1)));
            return out.append('}').toString();
        }
        JsonNode values = field(schema, "enum");
        if (values != null && values.isArray()) {
            List<String> shown = new ArrayList<>();
            values.forEach(v -> shown.add(literal(v)));
            return type + ": one of " + String.join(", ", shown);
        }
        return type;
    }

    /** A JSON value as Python's repr() writes it (str, int, float, True/False/None, lists and dicts). */
    static String literal(JsonNode value) {
        if (value == null || value.isNull()) {
            return "None";
        }
        if (value.isBoolean()) {
            return value.asBoolean() ? "True" : "False";
        }
        if (value.isNumber()) {
            return value.isIntegralNumber() ? value.asText() : Double.toString(value.asDouble());
        }
        if (value.isTextual()) {
            return string(value.asText());
        }
        if (value.isArray()) {
            List<String> items = new ArrayList<>();
            value.forEach(v -> items.add(literal(v)));
            return "[" + String.join(", ", items) + "]";
        }
        List<String> entries = new ArrayList<>();
        value.fields().forEachRemaining(e -> entries.add(string(e.getKey()) + ": " + literal(e.getValue())));
        return "{" + String.join(", ", entries) + "}";
    }

    /** Python's repr of a str: single quotes unless the text holds one and no double quote. */
    private static String string(String s) {
        char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        StringBuilder out = new StringBuilder().append(quote);
        for (char c : s.toCharArray()) {
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c == quote) {
                        out.append('\\');
                    }
                    if (c < 0x20 || c == 0x7f) {
                        out.append(String.format("\\x%02x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append(quote).toString();
    }

    /** A Python identifier for a JSON name ({@code entity-type} becomes {@code entity_type}), unique among {@code taken}. */
    static String identifier(String json, Set<String> taken) {
        String name = json.replaceAll("[^A-Za-z0-9_]", "_");
        if (name.isEmpty() || Character.isDigit(name.charAt(0))) {
            name = "_" + name;
        }
        if (name.length() > 64) {
            name = name.substring(0, 64);
        }
        if (ToolSpec.KEYWORDS.contains(name)) {
            name = name + "_";
        }
        String unique = name;
        for (int i = 2; !taken.add(unique); i++) {
            unique = name + "_" + i;
        }
        return unique;
    }

    /** The Python name of MCP server {@code server}'s tool {@code tool}: {@code memory_read_graph}, {@code everything_get_sum}. */
    public static String mcpName(String server, String tool) {
        return identifier(server + "_" + tool, new HashSet<>());
    }
}
