package dev.codeact.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codeact.contract.Display;
import dev.codeact.contract.ExecutionResult;
import dev.codeact.contract.ServerEvent;
import dev.codeact.contract.WireCodec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A session's log as a notebook and as Markdown, from events written by the gateway's own codec. */
class TranscriptTest {

    static ExecutionResult result(String output, String value, ExecutionResult.ErrorInfo error, List<Display> displays) {
        return new ExecutionResult(output, value, error, displays, 3, false, false, false, false, "runsc", null, null, null);
    }

    final Transcript transcript = new Transcript("s-1");
    long seq;

    void log(ServerEvent... events) {
        for (ServerEvent event : events) {
            transcript.accept(WireCodec.encodeServer("s-1", ++seq, event));
        }
    }

    /** A turn: text, an action that prints in two chunks and draws a figure, an action that fails, an answer. */
    void aTurn() {
        log(new ServerEvent.SessionInfo(1, "local", "m-7b", true, 5),
                new ServerEvent.TurnStart(1, "Plot squares", List.of("data.csv")),
                new ServerEvent.Token(1, "Let me compute.\n"), new ServerEvent.Token(1, "<execute>\nprint(1)"),
                new ServerEvent.Token(1, "\nplot()\n</execute>"),
                new ServerEvent.Action(1, "a-1", 1, "print(1)\nplot()"),
                new ServerEvent.ObservationChunk(1, "a-1", "stdout", "1\n"),
                new ServerEvent.ObservationChunk(1, "a-1", "stdout", "2\n"),
                new ServerEvent.ObservationChunk(1, "a-1", "stderr", "warn\n"),
                new ServerEvent.Observation(1, "a-1", result("1\n2\nwarn\n", null, null,
                        List.of(new Display(Display.DISPLAY, Map.of("text/plain", "<Figure>", "image/png", "iVBORw0KGgo=")))), "1"),
                new ServerEvent.Token(1, "<execute>1/0</execute>"),
                new ServerEvent.Action(1, "a-2", 2, "1/0"),
                new ServerEvent.Observation(1, "a-2", result("", null, new ExecutionResult.ErrorInfo("ZeroDivisionError",
                        "division by zero", "Traceback (most recent call last):\nZeroDivisionError: division by zero"), List.of()), "e"),
                new ServerEvent.Token(1, "The answer is <solution>4</solution>"),
                new ServerEvent.TurnEnd(1, "answer", 2, 10, null));
    }

    @Test
    void aTurnIsMarkdownAndCodeCellsWithTheirOutputs() {
        aTurn();
        ObjectNode notebook = transcript.notebook();
        assertEquals(4, notebook.get("nbformat").asInt());
        assertEquals(5, notebook.get("nbformat_minor").asInt());
        assertEquals("m-7b", notebook.at("/metadata/codeact/model").asText());
        JsonNode cells = notebook.get("cells");
        assertEquals(List.of("markdown", "markdown", "code", "code", "markdown"),
                List.of(cells.get(0), cells.get(1), cells.get(2), cells.get(3), cells.get(4)).stream()
                        .map(c -> c.get("cell_type").asText()).toList());
        assertEquals(5, cells.size());
        assertEquals("**User:** Plot squares\n\n*Uploaded:* `data.csv`", cells.get(0).get("source").asText(),
                "the files uploaded with the message are named under it");
        assertEquals("Let me compute.", cells.get(1).get("source").asText(), "the action's code is cut out of the model's text");
        JsonNode first = cells.get(2);
        assertEquals("print(1)\nplot()", first.get("source").asText());
        assertEquals(1, first.get("execution_count").asInt());
        JsonNode outputs = first.get("outputs");
        assertEquals(3, outputs.size(), outputs.toString());
        assertEquals("1\n2\n", outputs.get(0).get("text").asText(), "one stream's chunks are one output");
        assertEquals("stderr", outputs.get(1).get("name").asText());
        assertEquals("display_data", outputs.get(2).get("output_type").asText());
        assertEquals("iVBORw0KGgo=", outputs.get(2).at("/data/image~1png").asText());
        JsonNode error = cells.get(3).get("outputs").get(0);
        assertEquals("error", error.get("output_type").asText());
        assertEquals("ZeroDivisionError", error.get("ename").asText());
        assertEquals(2, error.get("traceback").size());
        assertEquals("The answer is <solution>4</solution>", cells.get(4).get("source").asText());
        long ids = cells.findValues("id").stream().map(JsonNode::asText).distinct().count();
        assertEquals(5, ids, "every cell has its own id (nbformat 4.5)");
    }

    @Test
    void aRestartedRunKeepsOnlyTheLastAttemptsOutputAndAValueIsAnExecuteResult() {
        log(new ServerEvent.TurnStart(1, "x", null), new ServerEvent.Action(1, "a-1", 1, "x = 2\nx"),
                new ServerEvent.ObservationChunk(1, "a-1", "stdout", "first attempt\n"),
                new ServerEvent.ActionRestarted(1, "a-1", 2, "worker_lost"),
                new ServerEvent.Observation(1, "a-1", result("", "2", null, List.of()), "2"),
                new ServerEvent.Error("upstream_timeout", "no byte for 60 s", 1, null));
        JsonNode cells = transcript.notebook().get("cells");
        JsonNode outputs = cells.get(1).get("outputs");
        assertEquals(1, outputs.size(), outputs.toString());
        assertEquals("execute_result", outputs.get(0).get("output_type").asText());
        assertEquals("2", outputs.get(0).at("/data/text~1plain").asText());
        assertEquals("> **Error** `upstream_timeout`: no byte for 60 s", cells.get(2).get("source").asText());
    }

    @Test
    void unreadableEventsAreSkipped() {
        transcript.accept("not json");
        transcript.accept("[1,2]");
        transcript.accept("{\"type\":\"observation\",\"action_id\":\"nowhere\",\"result\":7}");
        log(new ServerEvent.TurnStart(1, "still here", null));
        assertEquals(1, transcript.notebook().get("cells").size());
    }

    @Test
    void theMarkdownFencesCodeAndOutputsAndInlinesFigures() {
        aTurn();
        String md = transcript.markdown();
        assertTrue(md.startsWith("# CodeAct session s-1\n"), md);
        assertTrue(md.contains("## User\n\nPlot squares\n"), md);
        assertTrue(md.contains("```python\nprint(1)\nplot()\n```\n"), md);
        assertTrue(md.contains("```text\n1\n2\n```\n"), md);
        assertTrue(md.contains("![figure](data:image/png;base64,iVBORw0KGgo=)"), md);
        assertTrue(md.contains("```text\nTraceback (most recent call last):\nZeroDivisionError: division by zero\n```"), md);
    }

    /** A regenerated answer (a turn that replaces the last) is the one the transcript keeps. */
    @Test
    void aReplacedTurnLeavesTheTranscript() {
        log(new ServerEvent.TurnStart(1, "What is 2+2?", null), new ServerEvent.Token(1, "<execute>2+2</execute>"),
                new ServerEvent.Action(1, "a-1", 1, "2+2"), new ServerEvent.Observation(1, "a-1", result("", "4", null, List.of()), "4"),
                new ServerEvent.Token(1, "Four."), new ServerEvent.TurnEnd(1, "answer", 1, 10, null),
                new ServerEvent.TurnStart(2, "What is 3*3?", null, 1), new ServerEvent.Token(2, "Nine."),
                new ServerEvent.TurnEnd(2, "answer", 0, 10, null));
        JsonNode cells = transcript.notebook().get("cells");
        assertEquals(List.of("**User:** What is 3*3?", "Nine."), List.of(cells.get(0).get("source").asText(),
                cells.get(1).get("source").asText()));
        assertEquals(2, cells.size(), cells.toString());
    }
}
