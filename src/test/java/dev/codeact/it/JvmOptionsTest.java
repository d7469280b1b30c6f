package dev.codeact.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/jvm-options, the one set of JVM options everything starts the application with: sized from
 * the memory limit, archive and header options by the Java bin/java picks, and every option it
 * prints accepted by that Java.
 */
class JvmOptionsTest {

    static final long GIB = 1L << 30;

    @TempDir
    Path dir;

    record Run(int exit, String out, String err) {
        List<String> options() {
            return List.of(out.strip().split("\\s+"));
        }
    }

    static Run run(List<String> command, Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().putAll(env);
        // Standard error goes to a file so a chatty process cannot fill the pipe not being read.
        Path err = Files.createTempFile("codeact-run", ".err");
        try {
            Process p = builder.redirectError(err.toFile()).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return new Run(p.waitFor(), out, Files.readString(err));
        } finally {
            Files.deleteIfExists(err);
        }
    }

    /** A JAVA_HOME that only says its version (bin/jvm-options reads the release file). */
    Path javaHome(int feature) throws IOException {
        Path home = Files.createDirectories(dir.resolve("jdk-" + feature));
        Files.writeString(home.resolve("release"), "JAVA_VERSION=\"" + feature + ".0.1\"\n");
        return home;
    }

    Path app(String... archives) throws IOException {
        Path app = Files.createDirectories(dir.resolve("app-" + String.join("-", archives)));
        for (String archive : archives) {
            Files.writeString(app.resolve(archive), "");
        }
        return app;
    }

    Run options(Path app, Path javaHome, long limit) throws Exception {
        Run r = run(List.of("bin/jvm-options", app.toString()), Map.of("JAVA_HOME", javaHome.toString(),
                "CODEACT_MEMORY_LIMIT", Long.toString(limit)));
        assertEquals(0, r.exit(), r.err());
        return r;
    }

    @Test
    void halfTheMemoryLimitIsHeapAndSerialGcUpToTwoGib() throws Exception {
        List<String> small = options(app(), javaHome(17), GIB).options();
        assertTrue(small.contains("-Xmx512m"), small.toString());
        assertTrue(small.contains("-XX:+UseSerialGC"), small.toString());
        List<String> big = options(app(), javaHome(17), 8 * GIB).options();
        assertTrue(big.contains("-Xmx4096m"), big.toString());
        assertTrue(big.contains("-XX:+UseG1GC"), big.toString());
        assertFalse(big.contains("-XX:+UseSerialGC"), big.toString());
        assertTrue(options(app(), javaHome(17), 16L << 20).options().contains("-Xmx64m"), "a floor under tiny limits");
    }

    @Test
    void javaBefore24UsesTheClassDataArchiveAnd25TheAotCacheWithCompactHeaders() throws Exception {
        Path both = app("app-cds.jsa", "app.aot");
        List<String> on17 = options(both, javaHome(17), GIB).options();
        assertTrue(on17.contains("-XX:SharedArchiveFile=app-cds.jsa"), on17.toString());
        assertFalse(on17.stream().anyMatch(o -> o.contains("AOT") || o.contains("CompactObjectHeaders")), on17.toString());
        List<String> on25 = options(both, javaHome(25), GIB).options();
        assertTrue(on25.contains("-XX:AOTCache=app.aot"), on25.toString());
        assertTrue(on25.contains("-XX:+UseCompactObjectHeaders"), on25.toString());
        assertFalse(on25.stream().anyMatch(o -> o.contains("SharedArchiveFile")), on25.toString());
        List<String> noCache = options(app(), javaHome(25), GIB).options();
        assertFalse(noCache.stream().anyMatch(o -> o.contains("AOTCache")), "no cache was built: " + noCache);
    }

    /** The build records its AOT cache with options the pom cannot ask this script for: they must agree. */
    @Test
    void theBuildRecordsItsAotCacheWithTheShippedOptions() throws Exception {
        java.util.regex.Matcher recording = java.util.regex.Pattern
                .compile("<quarkus.package.jar.aot.additional-recording-args>([^<]*)<").matcher(Files.readString(Path.of("pom.xml")));
        assertTrue(recording.find(), "pom.xml names the AOT recording's options");
        List<String> shipped = options(app("app.aot"), javaHome(25), GIB).options();
        for (String option : recording.group(1).split(",")) {
            assertTrue(shipped.contains(option.strip()), option + " is recorded but not shipped: " + shipped);
        }
    }

    @Test
    void binJavaSaysTheFeatureVersionOfTheJavaItRuns() throws Exception {
        assertEquals("21", run(List.of("bin/java", "--feature"), Map.of("JAVA_HOME", javaHome(21).toString())).out().strip());
        Path real = Path.of(System.getProperty("java.home"));
        assertEquals(Integer.toString(Runtime.version().feature()),
                run(List.of("bin/java", "--feature"), Map.of("JAVA_HOME", real.toString())).out().strip());
    }

    @Test
    void aLimitThatIsNotANumberIsRefused() throws Exception {
        Run r = run(List.of("bin/jvm-options", app().toString()), Map.of("JAVA_HOME", javaHome(17).toString(),
                "CODEACT_MEMORY_LIMIT", "1G"));
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("CODEACT_MEMORY_LIMIT"), r.err());
    }

    /** Every Java on this machine takes the options printed for it (a misspelt option stops the JVM). */
    @Test
    void theJavasHereAcceptWhatIsPrintedForThem() throws Exception {
        java.util.Set<Path> homes = new java.util.LinkedHashSet<>();
        homes.add(Path.of(System.getProperty("java.home")).toRealPath());
        homes.add(Path.of(run(List.of("bin/java", "--home"), Map.of()).out().strip()).toRealPath());
        try (var installed = Files.isDirectory(Path.of("/usr/lib/jvm")) ? Files.list(Path.of("/usr/lib/jvm")) : java.util.stream.Stream.<Path>empty()) {
            installed.filter(h -> Files.isRegularFile(h.resolve("release")) && Files.isExecutable(h.resolve("bin/java")))
                    .forEach(h -> homes.add(toRealPath(h)));
        }
        for (Path home : homes) {
            Path app = app("app-cds.jsa", "app.aot");
            List<String> command = new ArrayList<>(List.of(home.resolve("bin/java").toString()));
            command.addAll(run(List.of("bin/jvm-options", app.toString()), Map.of("JAVA_HOME", home.toString(),
                    "CODEACT_MEMORY_LIMIT", Long.toString(GIB))).options());
            command.add("-version");
            // From the app folder, as the application starts; an empty archive is only warned about.
            ProcessBuilder builder = new ProcessBuilder(command).directory(app.toFile()).redirectErrorStream(true);
            Process p = builder.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.waitFor(), home + " refused " + command + ":\n" + out);
        }
    }

    static Path toRealPath(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
