package dev.codeact.agent;

/**
 * Cuts the first {@code <execute>…</execute>} out of a streamed reply. Tags may be split across
 * deltas at any position. Three endings are handled: the server stops at the {@code </execute>}
 * stop sequence (the stream ends inside an open action), the server ignores {@code stop} and
 * sends {@code </execute>} itself (then everything after it is discarded and the caller closes the
 * stream), or the reply has no action at all.
 */
public final class ActionParser {

    static final String OPEN = "<execute>";
    static final String CLOSE = "</execute>";

    /** What to relay of one delta, and whether the action just closed (stop reading then). */
    public record Feed(String relay, boolean closed) {}

    /** The whole reply as the history keeps it; {@code code} is null for an answer without action. */
    public record Reply(String text, String code) {}

    private final StringBuilder buf = new StringBuilder();
    private int codeStart = -1;
    private int closeAt = -1;

    public Feed feed(String delta) {
        if (closeAt >= 0) {
            return new Feed("", true);
        }
        int before = buf.length();
        buf.append(delta);
        if (codeStart < 0) {
            int open = buf.indexOf(OPEN, Math.max(0, before - OPEN.length() + 1));
            if (open < 0) {
                return new Feed(delta, false);
            }
            codeStart = open + OPEN.length();
        }
        int close = buf.indexOf(CLOSE, Math.max(codeStart, before - CLOSE.length() + 1));
        if (close < 0) {
            return new Feed(delta, false);
        }
        closeAt = close;
        int end = close + CLOSE.length();
        buf.setLength(end);
        return new Feed(buf.substring(before, end), true);
    }

    /** Call once when the stream ended (or was closed after {@link Feed#closed()}). */
    public Reply finish() {
        if (codeStart < 0) {
            return new Reply(buf.toString(), null);
        }
        String code;
        if (closeAt >= 0) {
            code = buf.substring(codeStart, closeAt);
        } else {
            // Stopped inside the action: the stop sequence ate "</execute>", or part of it is left
            // (the format notes replies ending in "</execute" with the '>' cut).
            code = buf.substring(codeStart);
            code = code.substring(0, code.length() - partialCloseSuffix(code));
            buf.setLength(codeStart + code.length());
            buf.append(CLOSE);
        }
        return new Reply(buf.toString(), tidy(code));
    }

    /** Inside an {@code <execute>} whose closing tag has not come (yet). */
    public boolean insideAction() {
        return codeStart >= 0 && closeAt < 0;
    }

    /**
     * What the model said before it was cut off (cancel, or a failed stream): an action it had
     * not finished is left out, since it never ran.
     */
    public String interruptedText() {
        return codeStart < 0 ? buf.toString() : buf.substring(0, codeStart - OPEN.length());
    }

    /** Length of the longest end of {@code s} that is a start of {@code </execute>} (at least "</"). */
    static int partialCloseSuffix(String s) {
        for (int n = Math.min(CLOSE.length() - 1, s.length()); n >= 2; n--) {
            if (s.endsWith(CLOSE.substring(0, n))) {
                return n;
            }
        }
        return 0;
    }

    /** Trims blank edges and the indentation common to all lines, so inline and indented blocks run. */
    static String tidy(String code) {
        String[] lines = code.split("\n", -1);
        int first = 0;
        int last = lines.length - 1;
        while (first <= last && lines[first].isBlank()) {
            first++;
        }
        while (last >= first && lines[last].isBlank()) {
            last--;
        }
        int indent = Integer.MAX_VALUE;
        for (int i = first; i <= last; i++) {
            String line = lines[i];
            if (!line.isBlank()) {
                indent = Math.min(indent, line.length() - line.stripLeading().length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (int i = first; i <= last; i++) {
            String line = lines[i].replace("\r", "");
            out.append(line.isBlank() ? "" : line.substring(Math.min(indent, line.length())).stripTrailing());
            if (i < last) {
                out.append('\n');
            }
        }
        return out.toString();
    }
}
