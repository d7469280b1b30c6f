package dev.codeact.agent;

import dev.codeact.contract.Clip;
import dev.codeact.contract.Display;
import dev.codeact.contract.ExecutionResult;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Turns a worker's result into the text the model reads, the way the CodeAct reference executor
 * did: stream output, then the trailing expression's value, then the traceback, then the text of
 * what the code displayed (saying in which richer forms the user saw it); ANSI colours
 * stripped; an empty result said explicitly; long output cut to its head and tail ({@link Clip}).
 */
public final class ObservationFormatter {

    static final String EMPTY = "[Code executed successfully with no output]";
    private static final Pattern ANSI = Pattern.compile("\u001B\\[[0-9;?]*[ -/]*[@-~]");

    private final int maxChars;

    public ObservationFormatter(int maxChars) {
        this.maxChars = maxChars;
    }

    /** @param filesGone files of the working directory that went with a restarted interpreter */
    public String format(ExecutionResult r, long timeoutSeconds, List<String> filesGone) {
        StringBuilder out = new StringBuilder();
        if (r.notice() != null) {
            out.append('[').append(r.notice()).append("]\n");
        }
        if (!filesGone.isEmpty()) {
            out.append("[Files of the working directory gone with the old interpreter: ").append(String.join(", ", filesGone))
                    .append("]\n");
        }
        out.append(r.output());
        if (r.value() != null) {
            newline(out).append(r.value());
        }
        if (r.cancelled()) {
            newline(out).append("[Execution cancelled by the user.]");
        } else if (r.timedOut()) {
            newline(out).append("[Execution timed out (").append(timeoutSeconds).append(" seconds).]");
        } else if (r.error() != null && r.error().traceback() != null) {
            newline(out).append(r.error().traceback());
        }
        for (Display display : r.displays()) {
            if (display.kind().equals(Display.DISPLAY)) {
                newline(out).append(display.text());
                if (!display.rich().isEmpty()) {
                    newline(out).append("[shown to the user as ").append(String.join(", ", display.rich())).append(']');
                }
            }
        }
        String text = ANSI.matcher(out).replaceAll("").strip();
        if (text.isEmpty()) {
            return EMPTY;
        }
        return Clip.headAndTail(text, maxChars);
    }

    private static StringBuilder newline(StringBuilder out) {
        if (out.length() > 0 && out.charAt(out.length() - 1) != '\n') {
            out.append('\n');
        }
        return out;
    }
}
