package dev.codeact.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The kernel's parts that need no sandbox (output batching, rich displays), tested in Python by
 * src/test/python/test_*.py on this machine's python3.
 */
class KernelPythonTest {

    static final Path TESTS = Path.of("src/test/python");

    @Test
    void theKernelsPythonTestsPass() throws Exception {
        Process python = new ProcessBuilder("python3", "-W", "ignore::ResourceWarning", "-m", "unittest", "discover", "-v", "-s", TESTS.toString(), "-p", "test_*.py")
                .redirectErrorStream(true).start();
        python.getOutputStream().close();
        String report = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(python.waitFor(60, TimeUnit.SECONDS), report);
        assertEquals(0, python.exitValue(), report);
        assertTrue(report.contains("Ran " + written() + " tests"), "every test written ran: " + report);
    }

    /** The test methods in the files, so a file that fails to load cannot pass as zero tests. */
    private static long written() throws Exception {
        Pattern test = Pattern.compile("^    def test_", Pattern.MULTILINE);
        try (Stream<Path> files = Files.list(TESTS)) {
            long count = 0;
            for (Path file : files.filter(f -> f.getFileName().toString().startsWith("test_")).toList()) {
                Matcher m = test.matcher(Files.readString(file));
                while (m.find()) {
                    count++;
                }
            }
            return count;
        }
    }
}
