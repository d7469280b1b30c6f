package dev.codeact.contract;

/**
 * {@code PATCH /v1/sessions/{id}}: what a client changes of a session it owns — its {@code title}
 * in the list (1 to {@value #TITLE_CHARS} characters; line breaks and runs of spaces become one).
 */
public record SessionUpdate(@Required String title) {

    public static final int TITLE_CHARS = 80;

    /** The title as the list keeps it, or null when it is empty or too long. */
    public String cleanTitle() {
        String clean = oneLine(title == null ? "" : title);
        return clean.isEmpty() || clean.length() > TITLE_CHARS ? null : clean;
    }

    /** A text as a title in the list shows it: on one line, runs of spaces and line breaks one space. */
    public static String oneLine(String text) {
        return text.strip().replaceAll("\\s+", " ");
    }
}
