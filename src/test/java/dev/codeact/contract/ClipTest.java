package dev.codeact.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ClipTest {

    @Test
    void textThatFitsIsLeftAlone() {
        String text = "x".repeat(10);
        assertSame(text, Clip.headAndTail(text, 10));
    }

    @Test
    void longTextKeepsHeadAndTailAndSaysHowMuchIsGone() {
        String text = "a".repeat(10) + "b".repeat(100) + "c".repeat(10);
        assertEquals("a".repeat(10) + "\n... [100 characters dropped] ...\n" + "c".repeat(10), Clip.headAndTail(text, 20));
    }

    @Test
    void theKernelWritesTheSameMarker() throws Exception {
        String kernel = Files.readString(Path.of("src/main/resources/kernel/codeact_kernel.py"));
        Matcher m = Pattern.compile("^MARKER = \"(.*)\"$", Pattern.MULTILINE).matcher(kernel);
        assertEquals(true, m.find(), "codeact_kernel.py defines MARKER");
        assertEquals(Clip.MARKER_FORMAT, m.group(1).replace("\\n", "\n"));
    }
}
