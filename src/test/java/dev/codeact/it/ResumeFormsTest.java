package dev.codeact.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codeact.it.ScriptedModel.Reply;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Both ways to resume — {@code ?last_seq=N} on the URL, and a {@code resume} frame sent on a plain
 * attach — give every event exactly once and in order, whenever the client reconnects: a client
 * that drops its connection again and again during a streaming turn, and resumes from the highest
 * seq it has seen (the documented rule), ends up with the whole turn, no event twice, none missing.
 */
@QuarkusTest
@QuarkusTestResource(value = RealParts.class, restrictToAnnotatedClass = false)
@ExtendWith(Tally.class)
class ResumeFormsTest {

    static final int RECONNECTS = 50;

    @TestHTTPResource("/v1/sessions")
    URI sessions;

    @BeforeEach
    void freshScript() {
        RealParts.model.reset();
    }

    @Test
    @Tag("fault")
    void fiftyReconnectsOfEachFormDuringAStreamingTurnLoseAndRepeatNothing() throws Exception {
        // Long enough to outlast the reconnects on a quiet machine; on a loaded one the last ones
        // replay from memory and Redis instead, which must hold just the same.
        RealParts.model.enqueue(Reply.of("word ".repeat(3000)).chunk(5).delay(3));
        List<JsonNode> seen = new ArrayList<>();
        String id;
        try (WsClient first = WsClient.openSession(sessions)) {
            id = first.all().get(0).get("session").asText();
            first.sendJson("type", "user_message", "text", "talk");
            first.next("token", 30_000);
            first.abort();
            seen.addAll(sessionEvents(first));
        }
        String base = WsClient.ws(sessions, "/" + id);
        int outOfOrder = 0;
        int duplicated = 0;
        int refusals = 0;
        boolean ended = false;
        int reconnects = 0;
        for (int i = 0; i < 2 * RECONNECTS && !ended; i++, reconnects++) {
            long highest = seen.get(seen.size() - 1).get("seq").asLong();
            boolean frame = i % 2 == 1;
            WsClient ws = WsClient.connect(frame ? base : base + "?last_seq=" + highest);
            try {
                if (frame) {
                    ws.sendJson("type", "resume", "last_seq", highest);
                }
                int wanted = 1 + i % 7;
                for (int n = 0; n < wanted; n++) {
                    JsonNode e = ws.next(x -> true, 30_000, "an event");
                    if (e.get("seq").asLong() == 0) {
                        refusals++;
                    }
                    if ("turn_end".equals(e.path("type").asText())) {
                        break;
                    }
                }
            } finally {
                ws.abort();
            }
            for (JsonNode e : sessionEvents(ws)) {
                long seq = e.get("seq").asLong();
                long last = seen.get(seen.size() - 1).get("seq").asLong();
                if (seq <= last) {
                    duplicated += seen.stream().anyMatch(s -> s.get("seq").asLong() == seq) ? 1 : 0;
                    outOfOrder++;
                    continue;
                }
                if (seq != last + 1) {
                    outOfOrder++;
                }
                seen.add(e);
                ended |= "turn_end".equals(e.path("type").asText());
            }
        }
        if (!ended) {
            long highest = seen.get(seen.size() - 1).get("seq").asLong();
            try (WsClient last = WsClient.connect(base + "?last_seq=" + highest)) {
                seen.addAll(last.untilTurnEnd(60_000));
            }
        }
        long missing = seen.get(seen.size() - 1).get("seq").asLong() - seen.size();
        Tally.note(reconnects + " reconnects, alternating ?last_seq and a resume frame: "
                + "duplicated " + duplicated + ", out of order " + outOfOrder + ", missing " + missing + ", refused " + refusals);
        assertEquals(0, refusals, "no resume was refused");
        assertEquals(0, duplicated, "no event twice");
        assertEquals(0, outOfOrder, "every event in order");
        CodeActTurnTest.assertContiguous(seen);
        assertEquals(1, seen.get(0).get("seq").asLong());
        assertEquals(0, missing, "no event missing");
        assertEquals("word ".repeat(3000), CodeActTurnTest.text(seen, "token", "text"), "the whole reply, once");
        assertTrue(seen.get(seen.size() - 1).get("type").asText().equals("turn_end"));
        Tally.auditReplay(base, seen);
    }

    /** What the connection received of the session's log (connection-only replies have seq 0). */
    static List<JsonNode> sessionEvents(WsClient ws) {
        return ws.all().stream().filter(e -> e.get("seq").asLong() > 0).toList();
    }
}
