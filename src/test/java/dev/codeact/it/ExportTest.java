package dev.codeact.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codeact.it.ScriptedModel.Reply;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A chat exported as a Jupyter notebook that Jupyter's own nbformat accepts, and as Markdown,
 * after a turn with real actions in a real kernel.
 */
@QuarkusTest
@QuarkusTestResource(value = RealParts.class, restrictToAnnotatedClass = false)
@ExtendWith(Tally.class)
class ExportTest {

    @TestHTTPResource("/v1/sessions")
    URI sessions;

    @Test
    void aChatIsAValidNotebookAndMarkdown() throws Exception {
        RealParts.model.reset();
        RealParts.model.enqueue(Reply.of("Let me see.\n<execute>\nprint('hello')\nsquares = {n: n * n for n in range(4)}\nsquares\n</execute>"));
        RealParts.model.enqueue(Reply.of("<execute>\nsquares[9]\n</execute>"));
        RealParts.model.enqueue(Reply.of("The squares are <solution>0 1 4 9</solution>"));
        String id = HttpApi.createSession(sessions);
        try (WsClient ws = WsClient.connect(WsClient.ws(sessions, "/" + id))) {
            ws.sendJson("type", "user_message", "text", "Squares up to 3?");
            List<JsonNode> events = ws.untilTurnEnd(300_000);
            assertEquals("answer", events.get(events.size() - 1).get("reason").asText(), events.toString());
        }

        HttpApi.Reply notebook = download(id + "/notebook");
        assertEquals(200, notebook.status(), notebook.body());
        assertTrue(notebook.type().startsWith("application/x-ipynb+json"), notebook.type());
        assertEquals("valid\n", nbformatSays(notebook.body()), "Jupyter's nbformat validates it");
        JsonNode cells = notebook.json().get("cells");
        assertEquals(List.of("markdown", "markdown", "code", "code", "markdown"),
                List.of(0, 1, 2, 3, 4).stream().map(i -> cells.get(i).get("cell_type").asText()).toList(), cells.toString());
        JsonNode first = cells.get(2).get("outputs");
        assertEquals("hello\n", first.get(0).get("text").asText(), first.toString());
        assertEquals("{0: 0, 1: 1, 2: 4, 3: 9}", first.get(1).at("/data/text~1plain").asText(), first.toString());
        assertEquals("KeyError", cells.get(3).get("outputs").get(0).get("ename").asText());

        HttpApi.Reply markdown = download(id + "/markdown");
        assertEquals(200, markdown.status());
        assertTrue(markdown.type().startsWith("text/markdown"), markdown.type());
        assertTrue(markdown.body().contains("## User\n\nSquares up to 3?"), markdown.body());
        assertTrue(markdown.body().contains("```python\nsquares[9]\n```"), markdown.body());

        assertEquals(404, download("AAAAAAAAAAAAAAAAAAAAAA/notebook").status());
    }

    /** As a browser's download link or curl asks: any type. */
    HttpApi.Reply download(String path) throws Exception {
        HttpResponse<String> got = HttpApi.send("GET", URI.create(sessions + "/" + path), null, Map.of("Accept", "*/*"));
        assertTrue(got.statusCode() != 200 || got.headers().firstValue("Content-Disposition").orElse("").startsWith("attachment"));
        return new HttpApi.Reply(got.statusCode(), got.headers().firstValue("Content-Type").orElse(""), got.body());
    }

    /** What Jupyter's own validator says of a notebook (python3-nbformat, from Debian). */
    static String nbformatSays(String notebook) throws Exception {
        Process python = new ProcessBuilder("/usr/bin/python3", "-c", "import sys, nbformat\n"
                + "nbformat.validate(nbformat.reads(sys.stdin.read(), as_version=4))\nprint('valid')").redirectErrorStream(true).start();
        python.getOutputStream().write(notebook.getBytes(StandardCharsets.UTF_8));
        python.getOutputStream().close();
        String said = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(python.waitFor(60, TimeUnit.SECONDS));
        return said;
    }
}
