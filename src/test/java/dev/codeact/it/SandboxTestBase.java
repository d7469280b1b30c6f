package dev.codeact.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.http.TestHTTPResource;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;

/** What the sandbox test classes share: a fresh model script per test, and code run in a fresh session. */
abstract class SandboxTestBase {

    @TestHTTPResource("/v1/sessions")
    URI sessions;

    @BeforeEach
    void freshScript() {
        RealParts.model.reset();
    }

    /** The longest a test waits for one turn. */
    long turnTimeoutMs() {
        return 60_000;
    }

    /** Runs each code block as one action of one turn in a fresh session; returns the observations. */
    List<JsonNode> run(String... codes) throws InterruptedException {
        try (WsClient ws = WsClient.openSession(sessions)) {
            return RealParts.runCode(ws, turnTimeoutMs(), codes);
        }
    }
}
