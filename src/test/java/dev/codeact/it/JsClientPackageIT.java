package dev.codeact.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The JS client as its npm package: {@code npm pack} of clients/js, installed from the tarball into
 * an empty project, then imported by its name as a user would — type-checked by TypeScript
 * ({@code tsc --strict} of src/test/js-package/consumer.ts: the types resolve through the
 * package's exports, the wire's required fields are required) and run by Node against the packaged
 * gateway (src/test/js-package/use.mjs: its HTTP side, end to end).
 */
class JsClientPackageIT {

    static Path project;

    @BeforeAll
    static void packAndInstall() throws Exception {
        project = Files.createTempDirectory("codeact-js-package");
        String packed = run(Path.of("clients/js"), "npm", "pack", "--pack-destination", project.toString()).strip();
        Path tarball = project.resolve(packed.lines().reduce((a, b) -> b).orElseThrow());
        assertTrue(Files.exists(tarball), packed);
        Files.writeString(project.resolve("package.json"), "{\"name\": \"consumer\", \"private\": true, \"type\": \"module\"}");
        run(project, "npm", "install", "--offline", "--no-audit", "--no-fund", tarball.toString());
        for (String file : List.of("consumer.ts", "use.mjs")) {
            Files.copy(Path.of("src/test/js-package", file), project.resolve(file));
        }
    }

    @AfterAll
    static void removeProject() throws IOException {
        try (Stream<Path> all = Files.walk(project)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void thePackagesTypesResolveThroughItsExportsAndMarkTheRequiredFields() throws Exception {
        Path tsc = Path.of("src/test/k8s/node_modules/typescript/bin/tsc").toAbsolutePath();
        assertTrue(Files.exists(tsc), "typescript is installed by bin/test (npm ci in src/test/k8s)");
        run(project, "node", tsc.toString(), "--strict", "--noEmit", "--target", "es2022", "--module", "nodenext",
                "--moduleResolution", "nodenext", "--lib", "es2022,dom,dom.asynciterable", "consumer.ts");
    }

    @Test
    void thePackagesHttpSideWorksAgainstTheGateway() throws Exception {
        try (RedisServer redis = RedisServer.start()) {
            int port = RedisServer.freePort();
            try (AppProcess app = AppProcess.start("js-package-app", Map.of(
                    "quarkus.redis.hosts", redis.url(),
                    "quarkus.http.port", Integer.toString(port),
                    "codeact.worker.run-dir", Path.of("target", "it-run").toAbsolutePath().toString(),
                    "codeact.worker.preload", "none",
                    "codeact.worker.warm-pool", "1"))) {
                app.awaitLog("reading", 60_000);
                JsonNode seen = new ObjectMapper().readTree(run(project, "node", "use.mjs", "http://127.0.0.1:" + port));
                assertEquals("42", seen.get("value").asText());
                assertEquals("0\n1\n2\nresult", String.join("", new ObjectMapper().convertValue(seen.get("streamed"), String[].class)),
                        "the output while it ran, then the result: " + seen.get("streamed"));
                assertEquals("[\"data.csv\"]", seen.get("uploaded").toString());
                assertEquals("a,b\n1,2\n", seen.get("downloaded").asText());
                assertEquals("[\"copy.csv\"]", seen.get("files").toString());
                assertEquals("Named", seen.get("renamed").asText());
                assertTrue(seen.get("listed").asBoolean());
                assertEquals("session", seen.get("followed").get(0).asText());
                assertEquals(2, seen.get("followed").size());
                assertEquals(4, seen.get("notebook").asInt());
                assertEquals("string", seen.get("markdown").asText());
                assertEquals("{\"code\":\"session_not_found\",\"status\":404,\"isError\":true}", seen.get("refused").toString());
                assertEquals("session_not_found", seen.get("deleted").asText());
            }
        }
    }

    /** Runs a command in {@code dir} to its end (two minutes at most); returns its output, or fails with it. */
    static String run(Path dir, String... command) throws Exception {
        Path out = Files.createTempFile("codeact-js-package", ".txt");
        try {
            Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            assertTrue(p.waitFor(2, TimeUnit.MINUTES), String.join(" ", command) + " ran longer than two minutes");
            String output = Files.readString(out, StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), String.join(" ", command) + ":\n" + output);
            return output;
        } finally {
            Files.delete(out);
        }
    }
}
