package dev.codeact.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A session's working directory over HTTP, through its sandboxed kernel: what is uploaded the
 * code reads and the model is told of; what the code writes is listed and downloaded; names are
 * checked and links are not followed; a restarted interpreter's lost files are named.
 */
@QuarkusTest
@QuarkusTestResource(value = RealParts.class, restrictToAnnotatedClass = false)
@ExtendWith(Tally.class)
class FilesApiTest {

    @TestHTTPResource("/v1/sessions")
    URI sessions;

    @BeforeEach
    void freshScript() {
        RealParts.model.reset();
    }

    URI file(String id, String name) {
        return URI.create(sessions + "/" + id + "/files/" + name);
    }

    static HttpResponse<String> put(URI uri, String body) throws Exception {
        return HttpApi.send("PUT", uri, body, Map.of("Content-Type", "application/octet-stream"));
    }

    @Test
    void anUploadReachesTheCodeAndTheModelIsToldOfIt() throws Exception {
        String id = HttpApi.createSession(sessions);
        try (WsClient ws = WsClient.connect(WsClient.ws(sessions, "/" + id))) {
            HttpResponse<String> uploaded = put(file(id, "data.csv"), "x,y\n1,2\n3,4\n");
            assertEquals(200, uploaded.statusCode(), uploaded.body());
            assertEquals("data.csv", HttpApi.JSON.readTree(uploaded.body()).get(0).get("name").asText());
            JsonNode files = ws.next("files", 10_000);
            assertEquals(12, files.get("files").get(0).get("size").asLong(), "the session's clients see the new file");

            List<JsonNode> obs = RealParts.runCode(ws, 30_000, "print(open('data.csv').read().count('\\n'))");
            assertEquals("3\n", obs.get(0).get("result").get("output").asText());
        }
        String firstUserMessage = null;
        for (JsonNode message : RealParts.model.requests().get(0).get("messages")) {
            if (message.get("role").asText().equals("user")) {
                firstUserMessage = message.get("content").asText();
                break;
            }
        }
        assertTrue(firstUserMessage.startsWith("[The user uploaded the file data.csv (12 bytes) to the working directory]\n"),
                "the model is told with the next message: " + firstUserMessage);
    }

    @Test
    void whatTheCodeWritesIsListedAndDownloaded() throws Exception {
        String id = HttpApi.createSession(sessions);
        JsonNode done = HttpApi.call("POST", URI.create(sessions + "/" + id + "/execute"),
                "{\"code\": \"open('out.bin', 'wb').write(bytes(range(256)) * 12288)\\nopen('page.html', 'w').write('<script>x</script>')\"}").json();
        assertEquals("18", done.get("value").asText(), done.toString());
        JsonNode listed = HttpApi.call("GET", URI.create(sessions + "/" + id + "/files"), null).json();
        assertEquals(List.of("out.bin", "page.html"), List.of(listed.get(0).get("name").asText(), listed.get(1).get("name").asText()));

        HttpResponse<byte[]> bin = HttpApi.bytes(file(id, "out.bin"));
        assertEquals(200, bin.statusCode());
        byte[] expected = new byte[256 * 12288];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = (byte) i;
        }
        assertArrayEquals(expected, bin.body(), "3 MiB, streamed in pieces from the kernel, arrive whole and in order");
        assertEquals("attachment; filename=\"out.bin\"", bin.headers().firstValue("Content-Disposition").orElse(""));
        HttpResponse<byte[]> page = HttpApi.bytes(file(id, "page.html"));
        assertEquals("application/octet-stream", page.headers().firstValue("Content-Type").orElse(""),
                "HTML the code wrote is never served as a page of the gateway");

        byte[] big = bin.body();
        HttpResponse<String> uploaded = HttpApi.putBytes(file(id, "copy.bin"), big);
        assertEquals(200, uploaded.statusCode(), uploaded.body());
        assertArrayEquals(big, HttpApi.bytes(file(id, "copy.bin")).body(), "3 MiB up in pieces, and down again, unchanged");
        JsonNode same = HttpApi.call("POST", URI.create(sessions + "/" + id + "/execute"),
                "{\"code\": \"open('copy.bin', 'rb').read() == open('out.bin', 'rb').read()\"}").json();
        assertEquals("True", same.get("value").asText(), "the code reads the uploaded file whole");

        assertEquals(204, HttpApi.call("DELETE", file(id, "out.bin"), null).status());
        HttpResponse<byte[]> gone = HttpApi.bytes(file(id, "out.bin"));
        assertEquals(404, gone.statusCode());
        assertEquals("file_not_found", HttpApi.JSON.readTree(gone.body()).get("code").asText());
    }

    @Test
    void namesAreCheckedAndLinksAreNotFollowed() throws Exception {
        String id = HttpApi.createSession(sessions);
        for (String bad : List.of("..%2Fescape", ".hidden", "a%2Fb", "%20lead")) {
            HttpResponse<String> refused = put(file(id, bad), "x");
            assertEquals(400, refused.statusCode(), bad + ": " + refused.body());
            assertEquals("invalid_event", HttpApi.JSON.readTree(refused.body()).get("code").asText());
        }
        HttpApi.call("POST", URI.create(sessions + "/" + id + "/execute"),
                "{\"code\": \"import os\\nos.symlink('/etc/passwd', 'passwd.txt')\"}");
        HttpResponse<byte[]> link = HttpApi.bytes(file(id, "passwd.txt"));
        assertEquals(404, link.statusCode());
        JsonNode problem = HttpApi.JSON.readTree(link.body());
        assertEquals("file_not_found", problem.get("code").asText());
        assertTrue(problem.get("detail").asText().contains("link"), problem.toString());

        HttpResponse<String> tooLarge = put(file(id, "big.bin"), "x".repeat(16 * 1024 * 1024 + 1));
        assertEquals(413, tooLarge.statusCode());
        assertEquals("file_too_large", HttpApi.JSON.readTree(tooLarge.body()).get("code").asText());
        JsonNode left = HttpApi.call("POST", URI.create(sessions + "/" + id + "/execute"),
                "{\"code\": \"import os\\nsorted(os.listdir('.'))\"}").json();
        assertEquals("['passwd.txt']", left.get("value").asText(), "the refused upload left no partial file: " + left);
    }

    /** The reported hang: a pipe named like a result file. Refused at once; the session keeps its state. */
    @Test
    @Tag("abuse")
    void aPipeIsRefusedAtOnceAndTheSessionKeepsItsState() throws Exception {
        String id = HttpApi.createSession(sessions);
        URI execute = URI.create(sessions + "/" + id + "/execute");
        HttpApi.call("POST", execute, "{\"code\": \"import os\\nx = 41\\nos.mkfifo('result.csv')\"}");
        HttpResponse<byte[]> pipe = HttpApi.bytes(file(id, "result.csv"));
        assertEquals(404, pipe.statusCode());
        JsonNode problem = HttpApi.JSON.readTree(pipe.body());
        assertEquals("file_not_found", problem.get("code").asText());
        assertTrue(problem.get("detail").asText().contains("not a regular file"), problem.toString());
        HttpResponse<String> upload = put(file(id, "result.csv"), "a,b\n");
        assertEquals(200, upload.statusCode(), "an upload replaces the pipe: " + upload.body());
        JsonNode after = HttpApi.call("POST", execute, "{\"code\": \"print(x + 1, open('result.csv').read().strip())\"}").json();
        assertEquals("42 a,b\n", after.get("output").asText(), after.toString());
        assertFalse(after.get("restarted").asBoolean(), "nothing was lost: " + after);
    }

    @Test
    void aRestartedInterpretersLostFilesAreNamedToTheModel() throws Exception {
        // The action that ends its interpreter is told which files went with it.
        String id = HttpApi.createSession(sessions);
        assertEquals(200, put(file(id, "notes.txt"), "keep me").statusCode());
        try (WsClient ws = WsClient.connect(WsClient.ws(sessions, "/" + id))) {
            List<JsonNode> obs = RealParts.runCode(ws, 30_000, "import os\nos._exit(1)", "print('after')");
            String text = obs.get(0).get("text").asText();
            assertTrue(text.contains("[Files of the working directory gone with the old interpreter: notes.txt]"), text);
        }
    }
}
