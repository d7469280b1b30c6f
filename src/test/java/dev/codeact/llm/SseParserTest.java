package dev.codeact.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseParserTest {

    private static List<String> parse(byte[] bytes, int chunk) {
        List<String> events = new ArrayList<>();
        SseParser p = new SseParser(events::add);
        for (int i = 0; i < bytes.length; i += chunk) {
            byte[] part = new byte[Math.min(chunk, bytes.length - i)];
            System.arraycopy(bytes, i, part, 0, part.length);
            p.feed(part);
        }
        p.end();
        return events;
    }

    @Test
    void lfCrlfCommentsMultiLineDataAndUtf8SplitAnywhere() {
        String stream = ": keep-alive\r\n\r\ndata: {\"a\":\"é😀\"}\r\n\r\n"
                + "event: ignored\nid: 7\ndata: line one\ndata:line two\n\n"
                + "data: [DONE]\n\n"
                + "data: tail without blank line";
        byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
        for (int chunk = 1; chunk <= bytes.length; chunk++) {
            assertEquals(List.of("{\"a\":\"é😀\"}", "line one\nline two", "[DONE]", "tail without blank line"),
                    parse(bytes, chunk), "chunk size " + chunk);
        }
    }
}
