package dev.codeact.it;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Configuration is input too: values out of range stop the start with a message naming each one. */
class BadConfigIT {

    @Test
    void outOfRangeValuesAreNamedAndTheProcessDoesNotStart() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(List.of(java, "-Dcodeact.agent.max-actions=0", "-Dcodeact.session.max-frame-bytes=5",
                "-Dcodeact.worker.memory-mb=1", "-Dcodeact.worker.runsc-platform=fast", "-Dquarkus.http.port=0",
                "-jar", System.getProperty("it.jar", "target/quarkus-app/quarkus-run.jar")))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertNotEquals(0, p.exitValue(), out);
        assertTrue(out.contains("codeact.agent.max-actions must be greater than 0"), out);
        assertTrue(out.contains("codeact.session.max-frame-bytes must be greater than or equal to 1024"), out);
        assertTrue(out.contains("codeact.worker.memory-mb must be greater than or equal to 64"), out);
        assertTrue(out.contains("codeact.worker.runsc-platform must be ptrace, systrap or kvm"), out);
        assertTrue(!out.contains("started in"), out);
    }
}
