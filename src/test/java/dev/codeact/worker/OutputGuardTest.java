package dev.codeact.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codeact.contract.ExecutionResult.Image;
import java.util.List;
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
    void valuesAreClippedAndImagesStopAtTheirBudget() {
        OutputGuard guard = new OutputGuard(100, 3000);
        assertEquals("short", guard.clip("short"));
        String clipped = guard.clip("a".repeat(500) + "b".repeat(500));
        assertTrue(clipped.startsWith("aaaa") && clipped.endsWith("bbbb") && clipped.length() < 200, clipped);
        Image small = new Image("image/png", "A".repeat(2000)); // 1500 bytes
        assertEquals(2, guard.images(List.of(small, small, small)).size());
    }
}
