package dev.codeact.it;

import dev.codeact.testing.PythonTests;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The Python client (clients/python) against the real gateway: the packaged application as
 * gateway + worker with runsc sandboxes and a real redis-server, driven by the client's own tests
 * (clients/python/tests) on Debian's Python, whose stand-in model they serve themselves on the
 * port this test gives them. Each Python test is reported as a test of its own.
 */
class PythonClientIT {

    @TestFactory
    List<DynamicTest> thePythonClientsTests() throws Exception {
        try (RedisServer redis = RedisServer.start()) {
            int port = RedisServer.freePort();
            int modelPort = RedisServer.freePort();
            try (AppProcess app = AppProcess.start("python-client-app", Map.of(
                    "quarkus.redis.hosts", redis.url(),
                    "quarkus.http.port", Integer.toString(port),
                    "codeact.llm.base-url", "http://127.0.0.1:" + modelPort + "/v1",
                    "codeact.worker.run-dir", Path.of("target", "it-run").toAbsolutePath().toString(),
                    "codeact.worker.preload", "none",
                    "codeact.worker.warm-pool", "2"))) {
                app.awaitLog("reading", 60_000);
                return PythonTests.run("/usr/bin/python3", Path.of("clients/python/tests"), Map.of(
                        "CODEACT_URL", "http://127.0.0.1:" + port, "CODEACT_MODEL_PORT", Integer.toString(modelPort),
                        "PYTHONPATH", Path.of("clients/python").toAbsolutePath().toString()), Duration.ofMinutes(10));
            }
        }
    }
}
