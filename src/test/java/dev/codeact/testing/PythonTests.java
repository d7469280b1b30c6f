package dev.codeact.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;

/**
 * Python unittest files (a folder's {@code test_*.py}) run once by src/test/python/report.py, each
 * test reported to JUnit as a test of its own, plus one that every test written ran (a file that
 * fails to load shows up as one error, not as its tests).
 */
public final class PythonTests {

    /** How report.py marks its lines among what the tests print. */
    static final String RESULT = "@@result ";
    static final Path REPORT = Path.of("src/test/python/report.py");

    private PythonTests() {
    }

    /** Runs the tests of {@code folder} on {@code python} with {@code env} added, for {@code limit} at most. */
    public static List<DynamicTest> run(String python, Path folder, Map<String, String> env, Duration limit) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(python, "-W", "ignore::ResourceWarning", REPORT.toString(), folder.toString(), RESULT)
                .redirectErrorStream(true);
        builder.environment().putAll(env);
        Process process = builder.start();
        process.getOutputStream().close();
        String report = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS), report);
        assertEquals(0, process.exitValue(), report);
        ObjectMapper json = new ObjectMapper();
        List<DynamicTest> tests = new ArrayList<>();
        TreeSet<String> ran = new TreeSet<>();
        for (String line : report.split("\n")) {
            if (!line.startsWith(RESULT)) {
                continue;
            }
            JsonNode result = json.readTree(line.substring(RESULT.length()));
            String id = result.get("id").asText();
            ran.add(id.substring(id.lastIndexOf('.') + 1));
            tests.add(DynamicTest.dynamicTest(id, () -> assertEquals("ok", result.get("outcome").asText(),
                    id + ": " + result.get("detail").asText() + "\n" + report)));
        }
        tests.add(DynamicTest.dynamicTest("every test written ran", () -> assertEquals(written(folder), ran, report)));
        return tests;
    }

    private static TreeSet<String> written(Path folder) throws Exception {
        Pattern test = Pattern.compile("^    (?:async )?def (test_\\w+)", Pattern.MULTILINE);
        TreeSet<String> names = new TreeSet<>();
        try (Stream<Path> files = Files.list(folder)) {
            for (Path file : files.filter(f -> f.getFileName().toString().startsWith("test_")).toList()) {
                Matcher m = test.matcher(Files.readString(file));
                while (m.find()) {
                    names.add(m.group(1));
                }
            }
        }
        return names;
    }
}
