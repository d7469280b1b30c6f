package dev.codeact.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every reply is cut into deltas at every position (two cuts and three): the result must not change. */
class ActionParserTest {

    /** Replies in the shapes CodeActAgent models produce (from the paper's demos and our own runs). */
    static final String NUMPY = "To compute the mean, I will use numpy.\n<execute>\nimport numpy as np\n"
            + "print(np.mean([1, 2, 3]))\n";
    static final String INLINE = "Let me check. <execute> print(\"Hello World!\") </execute>";
    static final String INDENTED = "Defining a helper:\n<execute>\n    def f(x):\n        return x * 2\n\n    f(21)\n</execute>";
    static final String ANSWER = "The answer is <solution> 42 </solution>.";
    static final String CUT_CLOSE = "<execute>print(1)</execute";
    static final String TWO_ACTIONS = "First <execute>a = 1</execute> then <execute>b = 2</execute> done";
    static final String NEAR_MISS = "I will not use <exec> tags or </execute> outside, nor <execute";

    record Expect(String reply, String code, String history, String relayed) {}

    static final List<Expect> CASES = List.of(
            new Expect(NUMPY, "import numpy as np\nprint(np.mean([1, 2, 3]))", NUMPY + "</execute>", NUMPY),
            new Expect(INLINE, "print(\"Hello World!\")", INLINE, INLINE),
            new Expect(INDENTED, "def f(x):\n    return x * 2\n\nf(21)", INDENTED, INDENTED),
            new Expect(ANSWER, null, ANSWER, ANSWER),
            new Expect(CUT_CLOSE, "print(1)", "<execute>print(1)</execute>", CUT_CLOSE),
            new Expect(TWO_ACTIONS, "a = 1", "First <execute>a = 1</execute>", "First <execute>a = 1</execute>"),
            new Expect(NEAR_MISS, null, NEAR_MISS, NEAR_MISS));

    @Test
    void everySplitIntoTwoDeltas() {
        for (Expect e : CASES) {
            for (int i = 0; i <= e.reply().length(); i++) {
                check(e, List.of(e.reply().substring(0, i), e.reply().substring(i)));
            }
        }
    }

    @Test
    void everySplitIntoThreeDeltas() {
        for (Expect e : CASES) {
            int n = e.reply().length();
            for (int i = 0; i <= n; i++) {
                for (int j = i; j <= n; j++) {
                    check(e, List.of(e.reply().substring(0, i), e.reply().substring(i, j), e.reply().substring(j)));
                }
            }
        }
    }

    @Test
    void oneCharacterPerDelta() {
        for (Expect e : CASES) {
            List<String> deltas = new ArrayList<>();
            e.reply().chars().forEach(c -> deltas.add(String.valueOf((char) c)));
            check(e, deltas);
        }
    }

    @Test
    void closingTagStopsTheStream() {
        ActionParser p = new ActionParser();
        assertFalse(p.feed("<execute>x=1</exe").closed());
        ActionParser.Feed f = p.feed("cute> and more");
        assertTrue(f.closed());
        assertEquals("cute>", f.relay());
        assertTrue(p.feed("ignored").closed());
        assertEquals("", p.feed("ignored").relay());
    }

    @Test
    void anInterruptedReplyKeepsItsProseButNotAnUnfinishedAction() {
        ActionParser p = new ActionParser();
        p.feed("Let me try.\n<exec");
        assertEquals("Let me try.\n<exec", p.interruptedText());
        p.feed("ute>\nimport os\nos.lis");
        assertEquals("Let me try.\n", p.interruptedText());
    }

    @Test
    void tidyDedentsAndTrims() {
        assertEquals("x = 1", ActionParser.tidy("  x = 1  "));
        assertEquals("if x:\n    y()", ActionParser.tidy("\n\n  if x:\n      y()\n\n"));
        assertEquals("", ActionParser.tidy("   \n  "));
        assertEquals(9, ActionParser.partialCloseSuffix("x</execute"));
        assertEquals(0, ActionParser.partialCloseSuffix("x <"));
    }

    private static void check(Expect e, List<String> deltas) {
        ActionParser p = new ActionParser();
        StringBuilder relayed = new StringBuilder();
        boolean closed = false;
        for (String d : deltas) {
            if (closed) {
                break; // the gateway stops reading once the action closed
            }
            ActionParser.Feed f = p.feed(d);
            relayed.append(f.relay());
            closed = f.closed();
        }
        ActionParser.Reply r = p.finish();
        String where = "split " + deltas;
        if (e.code() == null) {
            assertNull(r.code(), where);
        } else {
            assertEquals(e.code(), r.code(), where);
        }
        assertEquals(e.history(), r.text(), where);
        assertEquals(e.relayed(), relayed.toString(), where);
    }
}
