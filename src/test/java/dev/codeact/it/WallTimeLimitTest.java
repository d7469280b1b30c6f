package dev.codeact.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The wall-time limit of an action, with a short one (4 s) of this class's own: the other tests
 * run with a limit far above what their actions need, so a loaded machine cannot time them out.
 */
@QuarkusTest
@TestProfile(WallTimeLimitTest.ShortLimit.class)
@QuarkusTestResource(value = RealParts.class, restrictToAnnotatedClass = false)
@ExtendWith(Tally.class)
class WallTimeLimitTest extends SandboxTestBase {

    public static class ShortLimit implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("codeact.agent.action-timeout", "4s");
        }
    }

    @Test
    @Tag("abuse")
    void theWallTimeLimitInterruptsAnEndlessLoop() throws Exception {
        List<JsonNode> obs = run("z = 5\nwhile True:\n    pass", "z + 1");
        assertTrue(obs.get(0).get("result").get("timed_out").asBoolean());
        assertEquals("[Execution timed out (4 seconds).]", obs.get(0).get("text").asText());
        assertEquals("6", obs.get(1).get("text").asText(), "state survives the interrupt");
    }

    @Test
    @Tag("abuse")
    void codeThatIgnoresTheInterruptIsKilledAndTheRestartIsSaid() throws Exception {
        List<JsonNode> obs = run("lost = 1", """
                import time
                while True:
                    try:
                        time.sleep(10)
                    except KeyboardInterrupt:
                        pass
                """, "print(lost)");
        JsonNode killed = obs.get(1).get("result");
        assertTrue(killed.get("timed_out").asBoolean());
        assertTrue(killed.get("restarted").asBoolean());
        assertEquals("KernelRestarted", killed.get("error").get("name").asText());
        assertTrue(obs.get(1).get("text").asText().contains("earlier code are gone"), obs.get(1).get("text").asText());
        JsonNode after = obs.get(2).get("result");
        assertEquals("NameError", after.get("error").get("name").asText());
        assertNull(after.get("notice"), "the restart was said once, not again");
    }
}
