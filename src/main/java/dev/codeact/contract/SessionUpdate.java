package dev.codeact.contract;

/**
 * {@code PATCH /v1/sessions/{id}}: what a client changes of a session it owns — its {@code title}
 * in the list (1 to {@value #TITLE_CHARS} characters; line breaks and runs of spaces become one).
 */
public record SessionUpdate(@Required String title) {

    public static final int TITLE_CHARS = 80;

    /** The title as the list keeps it, or null when it is empty or too long. */
    public String cleanTitle() {
        String clean = title == null ? "" : title.strip().replaceAll("\\s+", " ");
        return clean.isEmpty() || clean.length() > TITLE_CHARS ? null : clean;
    }
}
