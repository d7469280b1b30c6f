package dev.codeact.llm;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Server-sent events, per the WHATWG rules the OpenAI-compatible servers follow: LF or CRLF line
 * ends, {@code :} comment (keep-alive) lines, several {@code data:} lines joined by newlines, an
 * event dispatched at a blank line or when the stream ends. Bytes are split on '\n' before
 * decoding, so a UTF-8 character cut across network chunks is never broken.
 */
public final class SseParser {

    private final Consumer<String> onData;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private final StringBuilder data = new StringBuilder();
    private boolean hasData;

    public SseParser(Consumer<String> onData) {
        this.onData = onData;
    }

    public void feed(byte[] bytes) {
        int start = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == '\n') {
                line.write(bytes, start, i - start);
                processLine();
                start = i + 1;
            }
        }
        line.write(bytes, start, bytes.length - start);
    }

    /** The stream closed: a last event without its blank line still counts. */
    public void end() {
        if (line.size() > 0) {
            processLine();
        }
        dispatch();
    }

    private void processLine() {
        String text = line.toString(StandardCharsets.UTF_8);
        line.reset();
        if (text.endsWith("\r")) {
            text = text.substring(0, text.length() - 1);
        }
        if (text.isEmpty()) {
            dispatch();
        } else if (text.startsWith("data:")) {
            String value = text.substring(5);
            if (value.startsWith(" ")) {
                value = value.substring(1);
            }
            if (hasData) {
                data.append('\n');
            }
            data.append(value);
            hasData = true;
        }
        // ':' comments and the event/id/retry fields carry nothing a chat completion needs.
    }

    private void dispatch() {
        if (hasData) {
            String value = data.toString();
            data.setLength(0);
            hasData = false;
            onData.accept(value);
        }
    }
}
