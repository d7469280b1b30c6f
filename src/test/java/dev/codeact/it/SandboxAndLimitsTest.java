package dev.codeact.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codeact.it.ScriptedModel.Reply;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The kernel's semantics and the sandbox's limits, through whole turns on real runsc sandboxes. */
@QuarkusTest
@QuarkusTestResource(value = RealParts.class, restrictToAnnotatedClass = false)
@ExtendWith(Tally.class)
class SandboxAndLimitsTest extends SandboxTestBase {

    @Test
    @Tag("abuse")
    void theSandboxIsNoNetworkReadOnlyNonRootWithAPrivateTmpAndACleanEnvironment() throws Exception {
        List<JsonNode> obs = run("""
                import os, socket
                print('uid', os.getuid(), os.getgid())
                try:
                    open('/usr/codeact-escape', 'w')
                    print('host write: ALLOWED')
                except OSError as e:
                    print('host write: refused', type(e).__name__)
                try:
                    socket.create_connection(('1.1.1.1', 80), timeout=3)
                    print('network: ALLOWED')
                except OSError as e:
                    print('network: refused', type(e).__name__)
                try:
                    socket.getaddrinfo('example.com', 80)
                    print('dns: ALLOWED')
                except OSError as e:
                    print('dns: refused', type(e).__name__)
                open('/tmp/mine.txt', 'w').write('ok')
                print('tmp:', open('/tmp/mine.txt').read(), os.getcwd())
                print('env:', sorted(k for k in os.environ if k not in ('LC_CTYPE',)))
                """);
        String out = obs.get(0).get("result").get("output").asText();
        assertTrue(out.contains("uid 65534 65534"), out);
        assertTrue(out.contains("host write: refused"), out);
        assertTrue(out.contains("network: refused"), out);
        assertTrue(out.contains("dns: refused"), out);
        assertTrue(out.contains("tmp: ok /tmp"), out);
        assertTrue(out.contains("env: ['CODEACT_MAX_DISPLAY_BYTES', 'CODEACT_MAX_FILE_BYTES', 'CODEACT_MAX_OUTPUT_CHARS', 'CODEACT_PRELOAD', 'CODEACT_WATCHDOG_MS', 'HOME', 'LANG', 'MALLOC_ARENA_MAX', 'MKL_NUM_THREADS', 'MPLBACKEND', 'OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'PATH']"), out);
    }

    @Test
    @Tag("abuse")
    void aMemoryBombFailsAloneAndTheStateSurvives() throws Exception {
        List<JsonNode> obs = run("kept = 'still here'", "bomb = bytearray(4 * 1024 ** 3)", "print(kept)");
        assertEquals("MemoryError", obs.get(1).get("result").get("error").get("name").asText());
        assertFalse(obs.get(1).get("result").get("restarted").asBoolean());
        assertEquals("still here", obs.get(2).get("text").asText());
    }

    @Test
    @Tag("abuse")
    void anotherSessionsFilesAndProcessesAreOutOfReach() throws Exception {
        new CrossSession(RealParts.model, sessions, turnTimeoutMs()).filesAndProcessesAreOutOfReach();
    }

    @Test
    @Tag("abuse")
    void killingEveryProcessItCanLeavesAnotherSessionAlone() throws Exception {
        new CrossSession(RealParts.model, sessions, turnTimeoutMs()).killingEveryProcessItCanLeavesAnotherSessionAlone();
    }

    /**
     * What a session can read of the host: only the interpreter's /usr (without /usr/local) and a
     * minimal /etc. The listing is printed for the record.
     */
    @Test
    @Tag("abuse")
    void aSessionSeesOnlyWhatTheInterpreterNeedsOfTheHost() throws Exception {
        String project = Path.of("").toAbsolutePath().toString();
        List<JsonNode> obs = run("""
                import os
                probes = [%s]
                print('top:', ' '.join(sorted(os.listdir('/'))))
                print('etc:', ' '.join(sorted(os.listdir('/etc'))))
                print('usr/local:', os.listdir('/usr/local'))
                print('exists:', [p for p in probes if os.path.lexists(p)])
                print('users:', [l.split(':')[0] for l in open('/etc/passwd')])
                files = []
                for base in ('/etc', '/tmp', '/var', '/home', '/root', '/run', '/srv', '/opt', '/mnt'):
                    for d, _, names in os.walk(base):
                        files += [os.path.join(d, n) for n in names if os.access(os.path.join(d, n), os.R_OK)]
                print('readable outside /usr:', len(files))
                """.formatted(String.join(", ", List.of(project, project + "/target", project + "/run", "/root", "/home",
                "/var", "/run", "/work", "/opt", "/etc/shadow", "/etc/ssh", "/etc/redis", "/usr/local/bin",
                "/proc/1/root" + project).stream().map(p -> "'" + p + "'").toList())));
        String out = obs.get(0).get("result").get("output").asText();
        System.out.println("What a session reads of the host:\n" + out);
        assertTrue(out.contains("top: bin dev etc lib lib64 proc sbin sys tmp usr\n"), out);
        assertTrue(out.contains("usr/local: []\n"), out);
        assertTrue(out.contains("exists: []\n"), "no project, run folder, home, tool folder or secret: " + out);
        assertTrue(out.contains("users: ['root', 'nobody']\n"), out);
        for (String name : out.lines().filter(l -> l.startsWith("etc: ")).findFirst().orElseThrow().substring(5).split(" ")) {
            assertTrue(List.of("passwd", "group", "hosts", "hostname", "nsswitch.conf").contains(name)
                    || dev.codeact.sandbox.SandboxRoot.HOST_ETC.contains(name), "unexpected /etc/" + name);
        }
    }

    /**
     * Code that bypasses the kernel's own limits (its send function is reachable through
     * {@code __main__}) still meets the worker's: 60 MB of output, a huge value and 13 MB of
     * figures reach the gateway as about 1 MB and one figure, in few chunks.
     */
    @Test
    @Tag("abuse")
    void theWorkerCapsWhatTheKernelSendsWhateverTheKernelSays() throws Exception {
        RealParts.model.enqueue(Reply.of("<execute>\n" + """
                import __main__
                me = __main__.OUT.exec_id
                for i in range(20000):
                    __main__.send({"ev": "stream", "id": me, "name": "stdout", "text": "y" * 3000})
                __main__.send({"ev": "done", "id": me, "value": "v" * 5_000_000, "error": None,
                               "displays": [{"kind": "display", "data": {"image/png": "A" * 3_000_000, "text/plain": "f",
                                                                         "application/x-evil": "x"}}] * 5,
                               "duration_ms": 1, "truncated": False})
                """ + "\n").chunk(40).delay(0), Reply.of("done"));
        List<JsonNode> events = WsClient.turnInNewSession(sessions, "flood");
        JsonNode result = CodeActTurnTest.ofType(events, "observation").get(0).get("result");
        List<JsonNode> chunks = CodeActTurnTest.ofType(events, "observation_chunk");
        long streamed = chunks.stream().mapToLong(c -> c.get("text").asText().length()).sum();
        assertTrue(streamed < 1_100_000, "streamed " + streamed + " characters");
        assertTrue(result.get("output").asText().length() < 1_100_000);
        assertTrue(result.get("output").asText().contains("characters dropped"));
        assertTrue(result.get("truncated").asBoolean());
        assertTrue(result.get("value").asText().length() < 1_100_000, "the value is clipped too");
        assertEquals(1, result.get("displays").size(), "4 MiB of rich output at most");
        List<String> mimes = new ArrayList<>();
        result.get("displays").get(0).get("data").fieldNames().forEachRemaining(mimes::add);
        assertEquals(List.of("image/png", "text/plain"), mimes, "only the MIME types clients know");
        assertTrue(result.get("output").asText().contains("4 display(s) not shown"));
        assertTrue(chunks.size() < 200, chunks.size() + " chunks: text arriving within the chunk interval is merged");
    }

    @Test
    @Tag("abuse")
    void anOutputFloodKeepsHeadAndTailWithAMarker() throws Exception {
        List<JsonNode> obs = run("print('HEAD'); print('x' * 3_000_000); print('TAIL')");
        JsonNode result = obs.get(0).get("result");
        String shortOut = result.get("output").asText();
        assertTrue(result.get("truncated").asBoolean(), result.toString().substring(0, 300) + " … "
                + shortOut.length() + shortOut.substring(Math.max(0, shortOut.length() - 300)));
        String out = result.get("output").asText();
        assertTrue(out.startsWith("HEAD\n"), out.substring(0, 20));
        assertTrue(out.endsWith("TAIL\n"));
        assertTrue(out.contains("characters dropped"));
        assertTrue(out.length() < 1_100_000, "capped: " + out.length());
        String text = obs.get(0).get("text").asText();
        assertTrue(text.contains(" characters dropped] ...") && text.length() < 4100, "the model gets head and tail");
    }

    @Test
    @Tag("abuse")
    void inputFailsFastAndPipInstallSaysThereIsNoNetwork() throws Exception {
        List<JsonNode> obs = run("name = input('your name? ')", "!pip install numpy");
        assertEquals("EOFError", obs.get(0).get("result").get("error").get("name").asText());
        assertTrue(obs.get(0).get("result").get("duration_ms").asLong() < 5000);
        assertTrue(obs.get(1).get("text").asText().contains("no network access"), obs.get(1).get("text").asText());
    }

    /** print, sys.stdout.write, sys.stdout.buffer.write, os.write and a shell command keep their order exactly. */
    @Test
    void outputKeepsItsOrderWhateverWritesIt() throws Exception {
        List<JsonNode> obs = run("""
                import os, sys
                for i in range(50):
                    os.write(1, b'w%d\\n' % i)
                    print('p%d' % i)
                    sys.stdout.write('s%d\\n' % i)
                    sys.stdout.buffer.write(b'b%d\\n' % i)
                    os.write(1, 'é%d\\n'.encode() % i)
                !echo shell
                print('end')
                """);
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 50; i++) {
            expected.append("w").append(i).append("\np").append(i).append("\ns").append(i).append("\nb").append(i)
                    .append("\né").append(i).append("\n");
        }
        expected.append("shell\nend\n");
        assertEquals(expected.toString(), obs.get(0).get("result").get("output").asText());
    }

    /** A forked child (multiprocessing) writes through the pipes: its output is not lost. */
    @Test
    void outputOfAForkedChildArrives() throws Exception {
        List<JsonNode> obs = run("""
                import multiprocessing, os
                def child():
                    print('printed by the child')
                    os.write(1, b'written by the child\\n')
                p = multiprocessing.Process(target=child)
                p.start(); p.join()
                """);
        String out = obs.get(0).get("result").get("output").asText();
        assertTrue(out.contains("printed by the child\n") && out.contains("written by the child\n"), out);
    }

    @Test
    void aTrailingExpressionIsTheCellsValue() throws Exception {
        List<JsonNode> obs = run("x = [1, 2]\nx + [3]", "None");
        assertEquals("[1, 2, 3]", obs.get(0).get("result").get("value").asText());
        assertEquals("[1, 2, 3]", obs.get(0).get("text").asText());
        assertEquals("[Code executed successfully with no output]", obs.get(1).get("text").asText());
    }
}
