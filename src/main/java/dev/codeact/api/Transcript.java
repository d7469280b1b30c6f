package dev.codeact.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codeact.contract.Display;
import dev.codeact.contract.WireJson;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A session's stored events, read in order, as a chat someone keeps: a Jupyter notebook (nbformat
 * 4.5: the user's messages and the model's text as markdown cells, each action a code cell with
 * its outputs) or Markdown. Events it cannot read (not JSON objects, unknown types) are skipped:
 * the log is the record, an export is a view of it.
 */
final class Transcript {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final String EXECUTE = "<execute>";

    private sealed interface Cell permits Text, Code {}

    /** {@code who}: {@code user}, {@code assistant} or {@code error}. */
    private record Text(String who, String text) implements Cell {}

    private static final class Code implements Cell {
        final int count;
        final String source;
        final List<ObjectNode> outputs = new ArrayList<>();
        boolean streamed;

        Code(int count, String source) {
            this.count = count;
            this.source = source;
        }
    }

    private final String session;
    private final List<Cell> cells = new ArrayList<>();
    private final Map<String, Code> byAction = new HashMap<>();
    /** The model's text since the last cell: its reply is streamed, and an action's code is cut out of it. */
    private final StringBuilder reply = new StringBuilder();
    private String model;
    private int actions;
    /** Where each turn's cells begin, so a turn that a later one replaces can be taken out. */
    private final Map<Integer, Integer> turnStarts = new HashMap<>();

    Transcript(String session) {
        this.session = session;
    }

    /** The turn {@code replaced} (a message edited and resent, an answer regenerated) leaves the transcript. */
    private void replace(JsonNode replaced) {
        Integer from = replaced.isInt() ? turnStarts.remove(replaced.asInt()) : null;
        if (from != null && from <= cells.size()) {
            cells.subList(from, cells.size()).forEach(cell -> byAction.values().remove(cell));
            cells.subList(from, cells.size()).clear();
        }
    }

    /** One stored event, as the WebSocket sends it. */
    void accept(String json) {
        try {
            accept(WireJson.MAPPER.readTree(json));
        } catch (JsonProcessingException unreadable) {
            // skipped, as the class says
        }
    }

    private void accept(JsonNode event) {
        if (event == null || !event.isObject()) {
            return;
        }
        switch (event.path("type").asText()) {
            case "session" -> model = event.path("model").isTextual() ? event.get("model").asText() : model;
            case "turn_start" -> {
                endReply();
                replace(event.path("replaces"));
                turnStarts.put(event.path("turn").asInt(), cells.size());
                List<String> uploads = new ArrayList<>();
                event.path("uploads").forEach(name -> uploads.add("`" + name.asText() + "`"));
                cells.add(new Text("user", event.path("text").asText()
                        + (uploads.isEmpty() ? "" : "\n\n*Uploaded:* " + String.join(", ", uploads))));
            }
            case "token" -> reply.append(event.path("text").asText());
            case "action" -> action(event);
            case "action_restarted" -> {
                Code cell = byAction.get(event.path("action_id").asText());
                if (cell != null) {
                    cell.outputs.clear(); // the output so far was an earlier attempt's
                }
            }
            case "observation_chunk" -> chunk(event);
            case "observation" -> observation(event);
            case "error" -> {
                endReply();
                cells.add(new Text("error", "`" + event.path("code").asText() + "`: " + event.path("message").asText()));
            }
            case "turn_end" -> endReply();
            default -> { }
        }
    }

    private void action(JsonNode event) {
        int cut = reply.lastIndexOf(EXECUTE);
        if (cut >= 0) {
            reply.setLength(cut);
        }
        endReply();
        Code cell = new Code(++actions, event.path("code").asText());
        cells.add(cell);
        byAction.put(event.path("action_id").asText(), cell);
    }

    private void chunk(JsonNode event) {
        Code cell = byAction.get(event.path("action_id").asText());
        if (cell != null) {
            cell.streamed = true;
            stream(cell, event.path("stream").asText("stdout"), event.path("text").asText());
        }
    }

    private void observation(JsonNode event) {
        Code cell = byAction.get(event.path("action_id").asText());
        JsonNode result = event.path("result");
        if (cell == null || !result.isObject()) {
            return;
        }
        if (!cell.streamed && !result.path("output").asText().isEmpty()) {
            stream(cell, "stdout", result.path("output").asText());
        }
        boolean valueShown = false;
        for (JsonNode display : result.path("displays")) {
            ObjectNode data = JSON.objectNode();
            display.path("data").fields().forEachRemaining(e -> data.put(e.getKey(), e.getValue().asText()));
            boolean value = Display.VALUE.equals(display.path("kind").asText());
            valueShown |= value;
            cell.outputs.add(value ? executeResult(cell, data) : output("display_data").<ObjectNode>set("data", data)
                    .set("metadata", JSON.objectNode()));
        }
        if (!valueShown && result.path("value").isTextual()) {
            cell.outputs.add(executeResult(cell, JSON.objectNode().put("text/plain", result.get("value").asText())));
        }
        JsonNode error = result.path("error");
        if (error.isObject()) {
            ArrayNode traceback = JSON.arrayNode();
            error.path("traceback").asText().lines().forEach(traceback::add);
            cell.outputs.add(output("error").put("ename", error.path("name").asText()).put("evalue", error.path("value").asText())
                    .set("traceback", traceback));
        }
        if (result.path("notice").isTextual()) {
            stream(cell, "stderr", result.get("notice").asText() + "\n");
        }
    }

    private static ObjectNode output(String type) {
        return JSON.objectNode().put("output_type", type);
    }

    private static ObjectNode executeResult(Code cell, ObjectNode data) {
        return output("execute_result").put("execution_count", cell.count).<ObjectNode>set("data", data)
                .set("metadata", JSON.objectNode());
    }

    /** Consecutive output of one stream is one output, as Jupyter shows it. */
    private static void stream(Code cell, String name, String text) {
        ObjectNode last = cell.outputs.isEmpty() ? null : cell.outputs.get(cell.outputs.size() - 1);
        if (last != null && "stream".equals(last.path("output_type").asText()) && name.equals(last.path("name").asText())) {
            last.put("text", last.get("text").asText() + text);
        } else {
            cell.outputs.add(output("stream").put("name", name).put("text", text));
        }
    }

    private void endReply() {
        String text = reply.toString().strip();
        reply.setLength(0);
        if (!text.isEmpty()) {
            cells.add(new Text("assistant", text));
        }
    }

    /** The notebook (nbformat 4.5); the session's id and model are in its metadata. */
    ObjectNode notebook() {
        endReply();
        ArrayNode out = JSON.arrayNode();
        int n = 0;
        for (Cell cell : cells) {
            ObjectNode c = out.addObject();
            if (cell instanceof Code code) {
                c.put("cell_type", "code").put("id", "cell-" + ++n).put("execution_count", code.count);
                c.putObject("metadata");
                c.put("source", code.source);
                c.putArray("outputs").addAll(code.outputs);
            } else {
                Text text = (Text) cell;
                c.put("cell_type", "markdown").put("id", "cell-" + ++n);
                c.putObject("metadata").put("codeact_role", text.who());
                c.put("source", switch (text.who()) {
                    case "user" -> "**User:** " + text.text();
                    case "error" -> "> **Error** " + text.text();
                    default -> text.text();
                });
            }
        }
        ObjectNode notebook = JSON.objectNode().put("nbformat", 4).put("nbformat_minor", 5);
        ObjectNode metadata = notebook.putObject("metadata");
        metadata.putObject("kernelspec").put("name", "python3").put("display_name", "Python 3").put("language", "python");
        metadata.putObject("language_info").put("name", "python");
        metadata.putObject("codeact").put("session", session).put("model", model);
        notebook.set("cells", out);
        return notebook;
    }

    String notebookJson() {
        try {
            return WireJson.MAPPER.writeValueAsString(notebook());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a notebook", e);
        }
    }

    /** The chat as Markdown: code fenced, outputs fenced as text, PNG figures inline as data URLs. */
    String markdown() {
        endReply();
        StringBuilder md = new StringBuilder("# CodeAct session " + session + "\n");
        for (Cell cell : cells) {
            md.append('\n');
            if (cell instanceof Code code) {
                md.append("```python\n").append(code.source).append(code.source.endsWith("\n") ? "" : "\n").append("```\n");
                for (ObjectNode output : code.outputs) {
                    markdown(md, output);
                }
            } else {
                Text text = (Text) cell;
                md.append(switch (text.who()) {
                    case "user" -> "## User\n\n" + text.text();
                    case "error" -> "> **Error** " + text.text();
                    default -> text.text();
                }).append('\n');
            }
        }
        return md.toString();
    }

    private static void markdown(StringBuilder md, ObjectNode output) {
        String type = output.path("output_type").asText();
        String text = switch (type) {
            case "stream" -> output.path("text").asText();
            case "error" -> output.path("traceback").isEmpty() ? output.path("ename").asText() + ": " + output.path("evalue").asText()
                    : traceback(output);
            default -> null;
        };
        JsonNode data = output.path("data");
        if (text == null && data.has("image/png")) {
            md.append("\n![figure](data:image/png;base64,").append(data.get("image/png").asText()).append(")\n");
            return;
        }
        if (text == null) {
            text = data.path("text/plain").asText();
        }
        if (!text.isEmpty()) {
            md.append("\n```text\n").append(text).append(text.endsWith("\n") ? "" : "\n").append("```\n");
        }
    }

    private static String traceback(ObjectNode error) {
        StringBuilder lines = new StringBuilder();
        error.path("traceback").forEach(line -> lines.append(line.asText()).append('\n'));
        return lines.toString();
    }
}
