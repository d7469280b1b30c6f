package dev.codeact.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The kernel's output batching, tested in Python by src/test/python/test_kernel_outbox.py (no sandbox needed). */
class KernelOutboxTest {

    @Test
    void theKernelsOutputBatchingHolds() throws Exception {
        Process python = new ProcessBuilder("python3", "-m", "unittest", "-v", "src/test/python/test_kernel_outbox.py")
                .redirectErrorStream(true).start();
        python.getOutputStream().close();
        String report = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(python.waitFor(60, TimeUnit.SECONDS), report);
        assertEquals(0, python.exitValue(), report);
        assertTrue(report.contains("Ran 4 tests"), report);
    }
}
