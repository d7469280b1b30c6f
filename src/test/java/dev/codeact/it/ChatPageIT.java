package dev.codeact.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codeact.it.ScriptedModel.Reply;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The chat page in headless Chromium (src/test/browser/chat-page.mjs, playwright-core), against
 * the packaged application (gateway + worker in one JVM, as bin/codeact runs it), a real
 * redis-server and the scripted model; and a second gateway with no model configured.
 */
@ExtendWith(Tally.class)
class ChatPageIT {

    static RedisServer redis;
    static ScriptedModel model;
    static AppProcess app;
    static AppProcess noModel;
    static AppProcess withKeys;
    static int appPort;
    static int noModelPort;
    static int withKeysPort;

    @BeforeAll
    static void startParts() throws Exception {
        redis = RedisServer.start();
        model = new ScriptedModel();
        appPort = RedisServer.freePort();
        app = AppProcess.start("chat-app", Map.of(
                "quarkus.redis.hosts", redis.url(),
                "quarkus.http.port", Integer.toString(appPort),
                "codeact.llm.base-url", model.baseUrl(),
                "codeact.llm.allowed-models", "second-model",
                "codeact.worker.run-dir", Path.of("target", "it-run").toAbsolutePath().toString()));
        app.awaitLog("reading", 30_000);
        noModelPort = RedisServer.freePort();
        noModel = AppProcess.start("chat-no-model", Map.of(
                "quarkus.redis.hosts", redis.url(),
                "quarkus.http.port", Integer.toString(noModelPort),
                "codeact.key-prefix", "nomodel:",
                "codeact.roles", "gateway"));
        withKeysPort = RedisServer.freePort();
        withKeys = AppProcess.start("chat-api-key", Map.of(
                "quarkus.redis.hosts", redis.url(),
                "quarkus.http.port", Integer.toString(withKeysPort),
                "codeact.key-prefix", "keys:",
                "codeact.roles", "gateway",
                "codeact.auth.mode", "api-key",
                "codeact.auth.api-keys", "page:page-key-123"));
    }

    @AfterAll
    static void stopParts() throws Exception {
        withKeys.close();
        noModel.close();
        app.close();
        model.close();
        redis.close();
    }

    @BeforeEach
    void freshScript() {
        model.reset();
    }

    static void browse(String scenario, int port) throws IOException, InterruptedException {
        browse(scenario, port, Map.of());
    }

    static void browse(String scenario, int port, Map<String, String> env) throws IOException, InterruptedException {
        Path dir = Path.of("src", "test", "browser");
        Path log = Files.createDirectories(Path.of("target", "it-logs")).resolve("browser-" + scenario + ".log");
        ProcessBuilder builder = new ProcessBuilder("node", "chat-page.mjs", scenario, "http://[::1]:" + port + "/")
                .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        // Screenshots of each scenario's last state, for a look at the page (target/it-logs/*.png).
        builder.environment().put("SCREENSHOT_DIR", log.getParent().toAbsolutePath().toString());
        builder.environment().putAll(env);
        Process node = builder.start();
        if (!node.waitFor(120, TimeUnit.SECONDS)) {
            node.destroyForcibly();
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(0, node.exitValue(), "browser scenario " + scenario + ":\n" + out);
    }

    @Test
    void theChatDownloadsAsANotebookAndMarkdown() throws Exception {
        model.enqueue(Reply.of("<execute>\nprint(7 * 7)\n</execute>"), Reply.of("It is 49."));
        browse("export", appPort);
    }

    @Test
    void theThemeFollowsTheSystemOrTheChoiceAndTablesAreRuled() throws Exception {
        model.enqueue(Reply.of("Here:\n\n| n | square |\n|---|---|\n| 2 | 4 |\n| 3 | 9 |\n"));
        browse("theme", appPort);
    }

    @Test
    void aFigureEnlargesAndDownloadsAndFilesCanBeDroppedOrPasted() throws Exception {
        model.enqueue(Reply.of("<execute>\n" + Figures.SINE + "\n").chunk(50), Reply.of("Here it is."));
        browse("figures", appPort);
    }

    /** On a slow network the message, a typing indicator and Stop show at once, and the turn takes them over. */
    @Test
    void feedbackAtOnce() throws Exception {
        model.enqueue(Reply.of("Hello from a slow network."));
        browse("feedback-at-once", appPort);
    }

    @Test
    void aQuestionWhoseReplyRunsCodeShowsItsOutputLive() throws Exception {
        model.enqueue(
                Reply.of("I will count.\n<execute>\nimport time\nfor i in range(4):\n    print('line', i)\n    time.sleep(0.6)\n"),
                Reply.of("The loop printed four lines."));
        browse("live-output", appPort);
    }

    @Test
    void stopInterruptsTheRunningCode() throws Exception {
        model.enqueue(Reply.of("<execute>\nimport time\nprint('started')\nwhile True:\n    time.sleep(0.1)\n"));
        browse("stop", appPort);
    }

    @Test
    void aDroppedConnectionResumesWithoutLosingOrRepeatingAnything() throws Exception {
        model.enqueue(
                Reply.of("Counting now.<execute>\nimport time\nfor i in range(5):\n    print('tick', i)\n    time.sleep(0.5)\n")
                        .delay(20),
                Reply.of("Counted to five, with a dropped connection on the way.").delay(30),
                Reply.of("Again."),
                Reply.of("Once more."));
        browse("resume", appPort);
    }

    @Test
    void withoutAModelThePageSaysHowToConfigureOne() throws Exception {
        browse("no-model", noModelPort);
    }

    @Test
    void withApiKeysThePageTakesItsKeyFromTheAddress() throws Exception {
        browse("api-key", withKeysPort);
    }

    @Test
    void richOutputShowsWithoutRunningItsScripts() throws Exception {
        model.enqueue(Reply.of("<execute>\n" + """
                import pandas as pd
                class Hostile:
                    def _repr_html_(self):
                        return ('<p>hostile</p><script>document.body.dataset.ran = 1; parent.pwned = 1</script>'
                                '<img src=x onerror="document.body.dataset.ran = 1; parent.document.title = \\'pwned\\'">')
                display(Hostile())
                pd.DataFrame({'city': ['Oslo', 'Lima'], 'temp': [3, 19]})
                """), Reply.of("Here is the table."));
        browse("rich-output", appPort);
    }

    /** Images, styles and media pointing elsewhere, from the model's text and from the code's displays. */
    @Test
    @Tag("abuse")
    void nothingOnThePageLoadsFromAnotherOrigin() throws Exception {
        int leakPort = RedisServer.freePort();
        String site = "http://127.0.0.1:" + leakPort;
        model.enqueue(Reply.of("Here is a chart ![chart](" + site + "/markdown.png?chat=secret) and <img src=\"" + site
                + "/raw.png?chat=secret\" alt=\"raw\"> <video src=\"" + site + "/video.mp4\"></video>"
                + "<img srcset=\"" + site + "/srcset.png 2x\" src=\"data:image/gif;base64,R0lGODlhAQABAAAAACw=\">"
                + "<style>body{background:url(" + site + "/style.png)}</style>\n<execute>\n" + """
                class Report:
                    def _repr_html_(self):
                        return ('<p>report</p><img src="SITE/display.png"><link rel="stylesheet" href="SITE/display.css">'
                                '<div style="background:url(SITE/background.png)">x</div>')
                class Notes:
                    def _repr_markdown_(self):
                        return '![notes](SITE/display.png?from=markdown)'
                display(Report())
                display(Notes())
                """.replace("SITE", site)).chunk(4), Reply.of("Done ![again](" + site + "/answer.png)"));
        browse("no-leaks", appPort, Map.of("LEAK_PORT", Integer.toString(leakPort)));
    }

    @Test
    void markdownIsRenderedSanitisedAndCopyable() throws Exception {
        model.enqueue(Reply.of("<thought>I should **think**.</thought>\nHere is *markdown*:\n\n- one\n- two\n\n"
                + "<img src=x onerror=\"window.pwned = 1; document.title = 'pwned'\"><script>window.pwned = 2</script>\n\n"
                + "```python\nprint(1)\n```\n\n<solution>The answer is **42**.</solution>"));
        browse("markdown", appPort);
    }

    @Test
    void actionsShowTheirStatusAndLongOutputCollapses() throws Exception {
        model.enqueue(Reply.of("<execute>\nfor i in range(100):\n    print(i)\n1 / 0\n"), Reply.of("It failed."));
        browse("actions", appPort);
    }

    @Test
    void chatsAreListedSwitchedAndDeleted() throws Exception {
        model.enqueue(Reply.of("First answer."), Reply.of("Second answer."));
        browse("sessions", appPort);
    }

    /** The last turn done again: its answer regenerated, its message edited; the model is told the history before it. */
    @Test
    void theLastAnswerIsRegeneratedAndTheLastMessageEdited() throws Exception {
        model.enqueue(Reply.of("<execute>\nx = 41\nprint(x)\n"), Reply.of("First try."), Reply.of("<execute>\nprint(x + 1)\n"),
                Reply.of("Second try."), Reply.of("Edited answer."));
        browse("redo", appPort);
        List<JsonNode> requests = model.requests();
        JsonNode last = requests.get(requests.size() - 1).get("messages");
        assertEquals(2, last.size(), "the model was told the edited message alone: " + last);
        assertEquals("Pick a number, please", last.get(1).get("content").asText());
    }

    @Test
    void filesGoUpFromThePageAndComeBackDown() throws Exception {
        model.enqueue(Reply.of("<execute>\nprint(open('data.csv').read(), end='')\nn = open('copy.csv', 'w').write(open('data.csv').read())\n"),
                Reply.of("Copied."));
        browse("files", appPort);
    }

    @Test
    void theModelAndTemperatureChoiceGoesWithTheMessage() throws Exception {
        model.enqueue(Reply.of("Warm."));
        browse("options", appPort);
        JsonNode sent = model.requests().get(model.requests().size() - 1);
        assertEquals("second-model", sent.get("model").asText());
        assertEquals(0.7, sent.get("temperature").asDouble(), 1e-9);
    }

    /** The page's own client tool: the code asks the person a question and gets the answer; the calls show. */
    @Test
    void theCodeAsksThePersonThroughThePagesClientTool() throws Exception {
        model.enqueue(Reply.of("<execute>\nn = int(ask_user('Your favourite number?'))\nprint(n * 2)\n"
                + "try:\n    ask_user('And your name?')\nexcept ToolError as e:\n    print('declined:', e.code)\n"), Reply.of("Doubled."));
        browse("tools", appPort);
        String system = model.requests().get(0).get("messages").get(0).get("content").asText();
        assertTrue(system.contains("def ask_user(question: str) -> Any:"), "the page declared its tool to the model: " + system);
    }

    @Test
    void onAPhoneSizedScreenWithAFigure() throws Exception {
        model.enqueue(Reply.of("<execute>\n" + Figures.SINE + "\n").chunk(50), Reply.of("Here it is."));
        browse("phone", appPort);
    }
}
