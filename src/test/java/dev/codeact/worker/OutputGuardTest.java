package dev.codeact.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codeact.contract.Display;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OutputGuardTest {

    @Test
    void withinTheLimitEverythingPassesAsItCame() {
        OutputGuard guard = new OutputGuard(100, 10);
        assertEquals("hello ", guard.accept("stdout", "hello "));
        assertEquals("world", guard.accept("stderr", "world"));
        assertEquals("hello world", guard.output());
        assertFalse(guard.cut());
        assertTrue(guard.ending().isEmpty());
    }

    @Test
    void beyondItTheHeadStreamsAndTheTailComesAtTheEndWithAMarker() {
        OutputGuard guard = new OutputGuard(100, 10); // tail: 50 characters
        StringBuilder streamed = new StringBuilder();
        for (int i = 0; i < 1000; i++) {
            streamed.append(guard.accept("stdout", String.format("%04d|", i)));
        }
        assertEquals(50, streamed.length(), "only the head is streamed live");
        assertTrue(guard.cut());
        String out = guard.output();
        assertTrue(out.startsWith("0000|0001|"), out);
        assertTrue(out.endsWith("0998|0999|"), out);
        assertEquals(4900, guard.droppedChars());
        assertTrue(out.contains("[4900 characters dropped]"), out);
        assertEquals("stderr", guard.ending().get(0).stream());
        assertEquals(out.substring(50), String.join("", guard.ending().stream().map(OutputGuard.Part::text).toList()));
    }

    @Test
    void oneHugeChunkKeepsItsEnd() {
        OutputGuard guard = new OutputGuard(100, 10);
        assertEquals(50, guard.accept("stdout", "x".repeat(10_000) + "END").length());
        assertTrue(guard.output().endsWith("xxEND"));
        assertEquals(10_003 - 100, guard.droppedChars());
    }

    @Test
    void valuesAreClippedAndDisplaysStopAtTheirBudget() {
        OutputGuard guard = new OutputGuard(100, 3000);
        assertEquals("short", guard.clip("short"));
        String clipped = guard.clip("a".repeat(500) + "b".repeat(500));
        assertTrue(clipped.startsWith("aaaa") && clipped.endsWith("bbbb") && clipped.length() < 200, clipped);
        Display small = new Display(Display.DISPLAY, Map.of("image/png", "A".repeat(2000))); // 1500 bytes
        assertEquals(2, guard.displays(List.of(small, small, small)).size());
    }

    /** The kernel runs untrusted code: what it says a display is gets reduced to what clients know. */
    @Test
    void displaysKeepOnlyKnownRenderingsAndAlwaysHaveText() {
        OutputGuard guard = new OutputGuard(100, 1_000_000);
        Map<String, String> data = new HashMap<>();
        data.put("text/html", "<b>x</b>");
        data.put("application/x-evil", "payload");
        data.put("image/svg+xml", null);
        data.put("text/plain", "t".repeat(1000));
        List<Display> kept = guard.displays(Arrays.asList(new Display("bogus", data), null, new Display(Display.VALUE, null)));
        assertEquals(2, kept.size());
        assertEquals(Display.DISPLAY, kept.get(0).kind(), "an unknown kind is a display");
        assertEquals(Set.of("text/html", "text/plain"), kept.get(0).data().keySet());
        assertTrue(kept.get(0).text().length() < 200, "the text is clipped like a value");
        assertEquals(new Display(Display.VALUE, Map.of("text/plain", "")), kept.get(1));
    }
}
