package dev.codeact.testing;

import java.util.Random;

/**
 * Client frames a fuzzer sends: random text, broken and hostile JSON, wrong field types, deep
 * nesting, huge numbers, valid events with odd values. From a seeded {@link Random}, so a failure
 * can be replayed.
 */
public final class FuzzedFrames {

    private FuzzedFrames() {}

    private static final String[] TYPES = {"user_message", "cancel", "resume", "ping", "", "USER_MESSAGE", "pong", "session",
        "__proto__", "ping\u0000"};
    private static final String[] FIELDS = {"type", "text", "id", "last_seq", "options", "model", "temperature", "max_tokens",
        "top_p", "", "\u202e", "constructor"};

    public static String frame(Random r) {
        return switch (r.nextInt(8)) {
            case 0 -> randomText(r, r.nextInt(200));
            case 1 -> "{".repeat(r.nextInt(3000)) + "}".repeat(r.nextInt(3000));
            case 2 -> "[".repeat(2000 + r.nextInt(2000)) + "]".repeat(2000);
            case 3 -> truncate(r, event(r));
            default -> event(r);
        };
    }

    private static String event(Random r) {
        StringBuilder json = new StringBuilder("{");
        int fields = r.nextInt(5);
        json.append("\"type\":").append(r.nextInt(6) == 0 ? value(r, 0) : quote(TYPES[r.nextInt(TYPES.length)]));
        for (int i = 0; i < fields; i++) {
            json.append(',').append(quote(FIELDS[r.nextInt(FIELDS.length)])).append(':').append(value(r, 0));
        }
        return json.append('}').toString();
    }

    private static String value(Random r, int depth) {
        return switch (depth > 3 ? r.nextInt(6) : r.nextInt(9)) {
            case 0 -> "null";
            case 1 -> r.nextBoolean() ? "true" : "false";
            case 2 -> Long.toString(r.nextLong());
            case 3 -> r.nextBoolean() ? "1e309" : "-0.0000001e-400";
            case 4 -> "99999999999999999999999999999999";
            case 5 -> quote(randomText(r, r.nextInt(40)));
            case 6 -> "[" + value(r, depth + 1) + "," + value(r, depth + 1) + "]";
            case 7 -> "{\"temperature\":" + value(r, depth + 1) + ",\"model\":" + value(r, depth + 1) + "}";
            default -> quote("x".repeat(r.nextInt(3) == 0 ? 70_000 : r.nextInt(100)));
        };
    }

    private static String randomText(Random r, int length) {
        StringBuilder s = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            int kind = r.nextInt(10);
            s.appendCodePoint(kind < 5 ? 32 + r.nextInt(95) : kind < 7 ? r.nextInt(32)
                    : kind < 9 ? 0x80 + r.nextInt(0x2000) : 0x1F600 + r.nextInt(80));
        }
        return s.toString();
    }

    private static String quote(String s) {
        StringBuilder q = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                q.append('\\').append(c);
            } else if (c < 32) {
                q.append(String.format("\\u%04x", (int) c));
            } else {
                q.append(c);
            }
        }
        return q.append('"').toString();
    }

    /** Cut anywhere but inside a character (a text frame must be valid UTF-8). */
    private static String truncate(Random r, String s) {
        int at = r.nextInt(Math.max(1, s.length()));
        return s.substring(0, at > 0 && Character.isHighSurrogate(s.charAt(at - 1)) ? at - 1 : at);
    }
}
