package dev.codeact.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The kernel's parts that need no sandbox (output batching, rich displays, tool stubs, file
 * operations), tested in Python by src/test/python/test_*.py on this machine's python3. They run
 * once; each is reported as a test of its own.
 */
class KernelPythonTest {

    static final Path TESTS = Path.of("src/test/python");
    /** How report.py marks its lines among what the tests print. */
    static final String RESULT = "@@result ";

    @TestFactory
    List<DynamicTest> theKernelsPythonTests() throws Exception {
        Process python = new ProcessBuilder("python3", "-W", "ignore::ResourceWarning", TESTS.resolve("report.py").toString(),
                TESTS.toString(), RESULT).redirectErrorStream(true).start();
        python.getOutputStream().close();
        String report = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(python.waitFor(60, TimeUnit.SECONDS), report);
        assertEquals(0, python.exitValue(), report);
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
                    id + ": " + result.get("detail").asText())));
        }
        // A file that fails to load shows up as one error, not as its tests: every test written must have run.
        tests.add(DynamicTest.dynamicTest("every test written ran", () -> assertEquals(written(), ran)));
        return tests;
    }

    private static TreeSet<String> written() throws Exception {
        Pattern test = Pattern.compile("^    def (test_\\w+)", Pattern.MULTILINE);
        TreeSet<String> names = new TreeSet<>();
        try (Stream<Path> files = Files.list(TESTS)) {
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
