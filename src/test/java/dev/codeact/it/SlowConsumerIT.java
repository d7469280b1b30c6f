package dev.codeact.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codeact.it.ScriptedModel.Reply;
import java.io.IOException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A client that stops reading while its session streams is not buffered without bound: past
 * {@code codeact.limits.client-buffer-bytes} its connection is closed ({@code slow_consumer}),
 * the session's other client gets everything at once, and the slow client resumes from the last
 * seq it read with nothing lost and nothing twice. A gateway process of its own, for its small budget.
 */
@ExtendWith(Tally.class)
class SlowConsumerIT {

    static final ObjectMapper JSON = new ObjectMapper();
    static final int BUDGET = 256 * 1024;

    @Test
    @Tag("fault")
    void aClientThatReadsNothingIsClosedAndResumesWithNothingLost() throws Exception {
        try (RedisServer redis = RedisServer.start(); ScriptedModel model = new ScriptedModel()) {
            int port = RedisServer.freePort();
            Map<String, String> props = new HashMap<>();
            props.put("quarkus.redis.hosts", redis.url());
            props.put("codeact.roles", "gateway");
            props.put("quarkus.http.port", Integer.toString(port));
            props.put("codeact.llm.base-url", model.baseUrl());
            props.put("codeact.limits.client-buffer-bytes", Integer.toString(BUDGET));
            // 10 MB of tokens: more than the kernel's socket buffers on loopback take (up to 4 MiB of
            // tcp_wmem on the gateway's side) plus the budget, so events must queue in the gateway.
            String reply = "word ".repeat(2_000_000);
            model.enqueue(Reply.of(reply).chunk(4000).delay(1));
            try (AppProcess gateway = AppProcess.start("slow-consumer-gateway", props);
                 WsClient owner = WsClient.connect("ws://127.0.0.1:" + port + "/v1/sessions")) {
                String id = owner.next("session", 60_000).get("session").asText();
                String base = "ws://127.0.0.1:" + port + "/v1/sessions/" + id;
                List<JsonNode> read = new ArrayList<>();
                try (RawWebSocket stalled = new RawWebSocket(base + "?last_seq=1", 4096)) {
                    owner.sendJson("type", "user_message", "text", "talk");
                    List<JsonNode> turn = owner.untilTurnEnd(120_000);
                    assertEquals(reply, CodeActTurnTest.text(turn, "token", "text"), "the other client got everything");
                    gateway.awaitLog("has not taken", 60_000);

                    // Now it reads: what the socket held, then the end of the connection.
                    try {
                        for (String frame = stalled.nextText(); frame != null; frame = stalled.nextText()) {
                            read.add(JSON.readTree(frame));
                        }
                    } catch (SocketException | SocketTimeoutException reset) {
                        // the gateway dropped the connection: what arrived before is what the client saw
                    }
                    Tally.note("closed with " + stalled.closeStatus() + " " + stalled.closeReason() + " after "
                            + read.size() + " events read");
                    assertTrue(stalled.closeStatus() == -1 || stalled.closeStatus() == 1008, "status " + stalled.closeStatus());
                    assertTrue(stalled.closeReason() == null || stalled.closeReason().equals("slow_consumer"), stalled.closeReason());
                    long lastRead = read.isEmpty() ? 1 : read.get(read.size() - 1).get("seq").asLong();
                    long expectedEnd = turn.get(turn.size() - 1).get("seq").asLong();
                    assertTrue(lastRead < expectedEnd, "it was cut off before the end of the turn");
                    try (WsClient resumed = WsClient.connect(base + "?last_seq=" + lastRead)) {
                        read.addAll(resumed.untilTurnEnd(60_000));
                    }
                    CodeActTurnTest.assertContiguous(read);
                    assertEquals(2, read.get(0).get("seq").asLong(), "from the first event after its last_seq");
                    assertEquals(reply, CodeActTurnTest.text(read, "token", "text"), "the whole reply once, after the resume");
                    List<JsonNode> live = new ArrayList<>(owner.all());
                    Tally.audit(live, WsClient.replay(base, expectedEnd));
                }
                assertTrue(gateway.alive());
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }
    }
}
