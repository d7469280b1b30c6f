package dev.codeact.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The sandbox's resource limits, each asserted by the limit that must fire. The action timeout is
 * far above what any of them needs, so a loaded machine makes these tests slower, never different:
 * the limit under test fires first.
 */
@QuarkusTest
@TestProfile(ContainmentTest.SlowMachineProof.class)
@QuarkusTestResource(value = RealParts.class, restrictToAnnotatedClass = false)
@ExtendWith(Tally.class)
class ContainmentTest extends SandboxTestBase {

    static final double CPUS = 0.5;
    /** This test's worker: its sandboxes (and their cgroups) are named {@code containment-test-NONCE-k1, …}. */
    static final String INSTANCE = "containment-test";

    public static class SlowMachineProof implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("codeact.agent.action-timeout", "300s",
                    "codeact.agent.result-timeout", "400s",
                    "codeact.worker.cpus", Double.toString(CPUS),
                    "codeact.worker.warm-pool", "0",
                    "codeact.session.idle-evict", "1s",
                    "codeact.instance-id", INSTANCE);
        }
    }

    @Override
    long turnTimeoutMs() {
        return 600_000;
    }

    /** Each child stays under the address-space rlimit (1 GiB); together they pass the cgroup limit (1.25 GiB). */
    @Test
    @Tag("abuse")
    void aMemoryBombOverTheSandboxLimitKillsOnlyItsOwnSandbox() throws Exception {
        List<JsonNode> obs = run("before = 1", """
                import os, time
                pids = []
                for _ in range(3):
                    pid = os.fork()
                    if pid == 0:
                        try:
                            block = b'x' * (600 * 1024 * 1024)
                            time.sleep(600)
                        finally:
                            os._exit(0)
                    pids.append(pid)
                for pid in pids:
                    os.waitpid(pid, 0)
                """, "print('after')");
        JsonNode killed = obs.get(1).get("result");
        assertTrue(killed.get("restarted").asBoolean(), killed.toString());
        assertEquals("KernelRestarted", killed.get("error").get("name").asText());
        assertEquals("after", obs.get(2).get("text").asText(), "the session goes on with a fresh interpreter");
    }

    @Test
    @Tag("abuse")
    void aForkBombIsStoppedByTheProcessLimit() throws Exception {
        List<JsonNode> obs = run("""
                import os, time
                children = []
                try:
                    for _ in range(500):
                        pid = os.fork()
                        if pid == 0:
                            time.sleep(2)
                            os._exit(0)
                        children.append(pid)
                    print('forked', len(children))
                except OSError as e:
                    print('stopped after', len(children), type(e).__name__)
                for pid in children:
                    os.waitpid(pid, 0)
                """, "print('alive')");
        String out = obs.get(0).get("result").get("output").asText();
        assertTrue(out.startsWith("stopped after"), out);
        assertEquals("alive", obs.get(1).get("text").asText());
    }

    /**
     * Spinning processes get at most {@code codeact.worker.cpus} of the host: the CPU time the
     * host charges to sandboxes (their cgroups) over the action stays under that share of its
     * wall time. Other load on the machine can only lower what the sandbox gets.
     */
    @Test
    @Tag("abuse")
    void aBusySessionGetsAtMostItsCpuShare() throws Exception {
        Path cpuacct = Path.of("/sys/fs/cgroup/cpuacct");
        assumeTrue(Files.isDirectory(cpuacct), "cgroup v1 cpuacct is where runsc puts its sandboxes here");
        // Alone on the worker, so no other sandbox starts or ends while this one is measured.
        assertEquals(0, kernelsWithin(120), "earlier tests' sessions left, so their kernels stopped");
        try (WsClient ws = WsClient.openSession(sessions)) {
            RealParts.runCode(ws, turnTimeoutMs(), "warm = 1");
            long before = sandboxCpuNanos(cpuacct);
            long started = System.nanoTime();
            List<JsonNode> obs = RealParts.runCode(ws, turnTimeoutMs(), """
                    import multiprocessing, time
                    def spin():
                        end = time.time() + 3
                        while time.time() < end:
                            pass
                    procs = [multiprocessing.Process(target=spin) for _ in range(3)]
                    for p in procs: p.start()
                    for p in procs: p.join()
                    print('spun')
                    """);
            double wall = (System.nanoTime() - started) / 1e9;
            double used = (sandboxCpuNanos(cpuacct) - before) / 1e9;
            assertEquals("spun", obs.get(0).get("text").asText().strip());
            System.out.printf("sandbox CPU: %.2f s over %.2f s of wall time (share %.2f)%n", used, wall, CPUS);
            assertTrue(used > 0, "the sandbox's cgroup was measured: " + used);
            assertTrue(used <= CPUS * wall * 1.1 + 0.3, "used " + used + " s of CPU in " + wall + " s");
        }
    }

    /** runsc names each sandbox's cgroup after the sandbox: the CPU time of this worker's, summed. */
    private static long sandboxCpuNanos(Path cpuacct) throws IOException {
        long total = 0;
        try (Stream<Path> groups = Files.list(cpuacct)) {
            for (Path group : groups.filter(g -> g.getFileName().toString().startsWith(INSTANCE + "-")).toList()) {
                try {
                    total += Long.parseLong(Files.readString(group.resolve("cpuacct.usage")).strip());
                } catch (IOException gone) {
                    // a sandbox that ended between the listing and the read
                }
            }
        }
        return total;
    }

    /**
     * Work that ignores interrupts and runs in the background does not outlive its session: once
     * the gateway lets the idle session go, the worker stops its kernel and every process in it.
     */
    @Test
    @Tag("abuse")
    void backgroundWorkStopsWhenTheSessionLeaves() throws Exception {
        assertEquals(0, kernelsWithin(120), "earlier tests' sessions left, so their kernels stopped");
        List<JsonNode> obs = run("""
                import subprocess, sys
                spinner = subprocess.Popen([sys.executable, '-c',
                    'import signal\\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\\nwhile True: pass'])
                print('spinning', spinner.pid)
                """);
        assertTrue(obs.get(0).get("text").asText().startsWith("spinning"), obs.get(0).toString());
        assertEquals(1, kernels(), "the session's kernel, with its spinner");
        // The client left: after codeact.session.idle-evict the kernel is released, not after the idle timeout (30 min).
        assertEquals(0, kernelsWithin(120), "the kernel and its background process were stopped");
        Path cpu = Path.of("/sys/fs/cgroup/cpu");
        if (Files.isDirectory(cpu)) {
            List<String> left = List.of();
            for (int i = 0; i < 100; i++) {
                try (Stream<Path> groups = Files.list(cpu)) {
                    left = groups.map(g -> g.getFileName().toString()).filter(n -> n.startsWith(INSTANCE + "-")).toList();
                }
                if (left.isEmpty()) {
                    break;
                }
                Thread.sleep(100);
            }
            assertEquals(List.of(), left, "no cgroup of a stopped sandbox is left on the host");
        }
    }

    /** Waits (at most {@code seconds}) for the worker to hold no session kernel; returns how many it holds. */
    private double kernelsWithin(int seconds) throws Exception {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        double held = kernels();
        while (held > 0 && System.nanoTime() < deadline) {
            Thread.sleep(200);
            held = kernels();
        }
        return held;
    }

    /** {@code codeact_worker_kernels} from the metrics endpoint. */
    private double kernels() throws Exception {
        String metrics = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                sessions.resolve("/q/metrics")).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        return metrics.lines().filter(l -> l.startsWith("codeact_worker_kernels"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst().orElseThrow();
    }
}
