package dev.codeact.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.util.List;

/**
 * The abuse suite's cross-session cases, against any gateway and worker: SandboxAndLimitsTest runs
 * them on the host's sandboxes, ContainerImagesIT against the worker image under podman.
 */
record CrossSession(ScriptedModel model, URI sessions, long timeoutMs) {

    /** Session B finds no file of session A in its /tmp and only its own sandbox's few processes. */
    void filesAndProcessesAreOutOfReach() throws InterruptedException {
        List<JsonNode> mine = run("open('/tmp/secret.txt', 'w').write('session A')\nimport os\nprint(os.getpid())");
        List<JsonNode> theirs = run("""
                import os, glob
                print(os.path.exists('/tmp/secret.txt'))
                print(sorted(glob.glob('/tmp/*')))
                print(len([p for p in os.listdir('/proc') if p.isdigit()]) < 10)
                """);
        assertNull(mine.get(0).get("result").get("error"), "session A wrote its file");
        assertEquals("False\n[]\nTrue\n", theirs.get(0).get("result").get("output").asText(),
                "no file of another session, and only this sandbox's own few processes");
    }

    /**
     * Session B signals every process it may ({@code kill -9 -1}, then each pid one by one) while
     * session A's kernel holds state. Within its own sandbox B either finds no process to signal
     * (its interpreter is the sandbox's init, which a signal to -1 spares) or ends its own sandbox
     * (the sandbox's init is another process: B's next action runs on a fresh interpreter), and
     * A's kernel and state live on.
     */
    void killingEveryProcessItCanLeavesAnotherSessionAlone() throws InterruptedException {
        try (WsClient a = WsClient.openSession(sessions)) {
            assertNull(RealParts.runCode(model, a, timeoutMs, "kept = 'A lives'").get(0).get("result").get("error"));
            List<JsonNode> theirs = run("""
                    import os, signal
                    try:
                        os.kill(-1, signal.SIGKILL)
                    except ProcessLookupError:
                        print('kill -1: no process to signal')
                    hit = []
                    for pid in range(1, 32768):
                        if pid != os.getpid():
                            try:
                                os.kill(pid, signal.SIGKILL)
                                hit.append(pid)
                            except (ProcessLookupError, PermissionError):
                                pass
                    print('signalled:', hit)
                    """, "print('B goes on')");
            JsonNode killed = theirs.get(0).get("result");
            if (!killed.get("restarted").asBoolean()) {
                assertEquals("kill -1: no process to signal\nsignalled: []\n", killed.get("output").asText(),
                        "no process of another session, nor any other, within B's reach: " + theirs);
            }
            assertEquals("B goes on\n", theirs.get(1).get("result").get("output").asText(), theirs.toString());
            List<JsonNode> mine = RealParts.runCode(model, a, timeoutMs, "print(kept)");
            assertEquals("A lives\n", mine.get(0).get("result").get("output").asText(), "A's kernel survived: " + mine);
        }
    }

    /** Each code block as one action of one turn in a fresh session; the observations. */
    private List<JsonNode> run(String... codes) throws InterruptedException {
        try (WsClient ws = WsClient.openSession(sessions)) {
            return RealParts.runCode(model, ws, timeoutMs, codes);
        }
    }
}
