package dev.codeact.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/aot-train on a copy of the packaged application: the cache it trains is taken by the JVM
 * that runs it with the shipped options (-XX:AOTMode=on refuses to start otherwise), and it holds
 * the classes of real work, not only of start-up: a session's class comes from the cache.
 */
class AotTrainingIT {

    @TempDir
    Path dir;

    @Test
    void aTrainedCacheIsUsedAndHoldsTheClassesOfServing() throws Exception {
        Path home = Path.of(JvmOptionsTest.run(List.of("bin/java", "--home"), Map.of()).out().strip());
        int feature = Integer.parseInt(JvmOptionsTest.run(List.of("bin/java", "--feature"), Map.of()).out().strip());
        assumeTrue(feature >= 25, "Java 25 or later, as bin/java picks where there is one");
        Path app = dir.resolve("app");
        // -a keeps the files' times: the cache checks the class path it was recorded with.
        assertEquals(0, new ProcessBuilder("cp", "-a", "target/quarkus-app", app.toString()).inheritIO().start().waitFor());
        Files.deleteIfExists(app.resolve("app.aot.trained"));

        Process training = new ProcessBuilder("bin/aot-train", app.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("train.log").toFile()).start();
        assertTrue(training.waitFor(10, TimeUnit.MINUTES), "the training ran over 10 minutes");
        assertEquals(0, training.exitValue(), Files.readString(dir.resolve("train.log")));
        assertTrue(Files.exists(app.resolve("app.aot.trained")));

        try (RedisServer redis = RedisServer.start()) {
            int port = RedisServer.freePort();
            List<String> command = new ArrayList<>(List.of(home.resolve("bin/java").toString()));
            command.addAll(JvmOptionsTest.run(List.of("bin/jvm-options", app.toString()), Map.of()).options());
            assertTrue(command.contains("-XX:AOTCache=app.aot"), command.toString());
            command.addAll(List.of("-XX:AOTMode=on", "-Xlog:class+load=info", "-Dcodeact.roles=gateway",
                    "-Dquarkus.http.port=" + port, "-Dquarkus.redis.hosts=" + redis.url(), "-jar", "quarkus-run.jar"));
            Path log = dir.resolve("run.log");
            Process run = new ProcessBuilder(command).directory(app.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try {
                URI base = URI.create("http://127.0.0.1:" + port);
                awaitReady(base, run, log);
                assertEquals(201, HttpApi.send("POST", base.resolve("/v1/sessions"), null, Map.of()).statusCode());
                String loaded = Files.readString(log, StandardCharsets.UTF_8);
                assertTrue(loaded.contains("dev.codeact.session.Session source: shared objects file"),
                        "a session's class came from the trained cache");
            } finally {
                run.destroyForcibly().waitFor();
            }
        }
    }

    static void awaitReady(URI base, Process run, Path log) throws Exception {
        for (int i = 0; i < 1200; i++) {
            if (!run.isAlive()) {
                throw new AssertionError("the JVM stopped (a cache it cannot use stops it under AOTMode=on):\n" + Files.readString(log));
            }
            try {
                if (HttpApi.send("GET", base.resolve("/q/health/ready"), null, Map.of()).statusCode() == 200) {
                    return;
                }
            } catch (java.io.IOException notYet) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new AssertionError("not ready within 120 s:\n" + Files.readString(log));
    }
}
