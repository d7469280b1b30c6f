package dev.codeact.contract;

/** Tokens of one or more model calls, as the server reported them. */
public record Usage(long promptTokens, long completionTokens) {

    public static final Usage NONE = new Usage(0, 0);

    public Usage plus(Usage other) {
        return other == null ? this : new Usage(promptTokens + other.promptTokens, completionTokens + other.completionTokens);
    }
}
