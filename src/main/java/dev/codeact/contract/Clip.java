package dev.codeact.contract;

/**
 * The one way long text is cut, wherever it is cut (the kernel, the worker's guard, the
 * observation the model reads): its head and its tail are kept, and one marker between them says
 * how many characters are gone. The kernel writes the same marker ({@code MARKER} in
 * codeact_kernel.py; a test holds them equal).
 */
public final class Clip {

    /** A printf format that Python's {@code %} operator reads the same way. */
    public static final String MARKER_FORMAT = "\n... [%d characters dropped] ...\n";

    private Clip() {}

    public static String marker(long dropped) {
        return String.format(MARKER_FORMAT, dropped);
    }

    /** {@code text} itself when it fits in {@code maxChars}, else its first and last {@code maxChars / 2} with the marker between. */
    public static String headAndTail(String text, int maxChars) {
        if (text == null || text.length() <= maxChars) {
            return text;
        }
        int keep = maxChars / 2;
        return text.substring(0, keep) + marker(text.length() - 2L * keep) + text.substring(text.length() - keep);
    }
}
