package dev.codeact.sandbox;

import dev.codeact.testing.PythonTests;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The kernel's parts that need no sandbox (output batching, rich displays, tool stubs, file
 * operations), tested in Python by src/test/python/test_*.py on this machine's python3. They run
 * once; each is reported as a test of its own.
 */
class KernelPythonTest {

    @TestFactory
    List<DynamicTest> theKernelsPythonTests() throws Exception {
        return PythonTests.run("python3", Path.of("src/test/python"), Map.of(), Duration.ofSeconds(60));
    }
}
