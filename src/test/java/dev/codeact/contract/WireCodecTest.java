package dev.codeact.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class WireCodecTest {

    private static ErrorCode codeOf(String frame) {
        return assertThrows(ProtocolException.class, () -> WireCodec.parseClient(frame, 100, 100)).code();
    }

    @Test
    void badFramesGetStableCodes() {
        assertEquals(ErrorCode.BAD_JSON, codeOf("{"));
        assertEquals(ErrorCode.BAD_JSON, codeOf("42"));
        assertEquals(ErrorCode.INVALID_EVENT, codeOf("{}"));
        assertEquals(ErrorCode.INVALID_EVENT, codeOf("{\"type\":3}"));
        assertEquals(ErrorCode.UNKNOWN_TYPE, codeOf("{\"type\":\"shout\"}"));
        assertEquals(ErrorCode.INVALID_EVENT, codeOf("{\"type\":\"user_message\",\"text\":\"  \"}"));
        assertEquals(ErrorCode.INVALID_EVENT, codeOf("{\"type\":\"resume\",\"last_seq\":1.5}"));
        assertEquals(ErrorCode.INVALID_EVENT, codeOf("{\"type\":\"resume\",\"last_seq\":\"3\"}"));
        assertEquals(ErrorCode.INVALID_EVENT, codeOf("{\"type\":\"ping\",\"id\":{}}"));
        assertEquals(ErrorCode.FRAME_TOO_LARGE, codeOf("{\"type\":\"user_message\",\"text\":\"" + "é".repeat(60) + "\"}"));
    }

    @Test
    void goodFramesParse() throws ProtocolException {
        assertEquals(new ClientEvent.UserMessage("hi", dev.codeact.contract.Sampling.DEFAULTS, null), WireCodec.parseClient("{\"type\":\"user_message\",\"text\":\"hi\"}", 100, 100));
        assertEquals(new ClientEvent.Resume(12), WireCodec.parseClient("{\"type\":\"resume\",\"last_seq\":12}", 100, 100));
        assertEquals(new ClientEvent.Ping(null), WireCodec.parseClient("{\"type\":\"ping\"}", 100, 100));
    }

    private static ErrorCode toolsCode(String tools) {
        return assertThrows(ProtocolException.class, () -> WireCodec.parseClient(
                "{\"type\":\"user_message\",\"text\":\"hi\",\"tools\":" + tools + "}", 10_000, 100)).code();
    }

    @Test
    void aMessageDeclaresTheClientsToolsAndAToolResultAnswersACall() throws ProtocolException {
        ClientEvent.UserMessage m = (ClientEvent.UserMessage) WireCodec.parseClient("{\"type\":\"user_message\",\"text\":\"hi\","
                + "\"tools\":[{\"name\":\"lookup\",\"description\":\"d\",\"parameters\":{\"type\":\"object\"}},{\"name\":\"now\"}]}",
                10_000, 100);
        assertEquals(List.of("lookup", "now"), m.tools().stream().map(ToolSpec::name).toList());
        assertEquals("", m.tools().get(1).description());
        assertNull(m.tools().get(1).parameters());
        assertEquals(List.of(), ((ClientEvent.UserMessage) WireCodec.parseClient(
                "{\"type\":\"user_message\",\"text\":\"hi\",\"tools\":[]}", 1000, 100)).tools(), "an empty list drops them");
        assertEquals(new ClientEvent.ToolResult("c:1", null, "no"),
                WireCodec.parseClient("{\"type\":\"tool_result\",\"call_id\":\"c:1\",\"error\":\"no\"}", 100, 100));
        ClientEvent.ToolResult value = (ClientEvent.ToolResult) WireCodec.parseClient(
                "{\"type\":\"tool_result\",\"call_id\":\"c:2\",\"value\":{\"a\":[1]}}", 100, 100);
        assertEquals("{\"a\":[1]}", value.value().toString());
    }

    @Test
    void badToolsAndAnswersGetInvalidEvent() {
        assertEquals(ErrorCode.INVALID_EVENT, toolsCode("{}"));
        assertEquals(ErrorCode.INVALID_EVENT, toolsCode("[{\"name\":\"has-dash\"}]"));
        assertEquals(ErrorCode.INVALID_EVENT, toolsCode("[{\"name\":\"lambda\"}]"));
        assertEquals(ErrorCode.INVALID_EVENT, toolsCode("[{\"name\":\"a\"},{\"name\":\"a\"}]"));
        assertEquals(ErrorCode.INVALID_EVENT, toolsCode("[{\"name\":\"a\",\"parameters\":{\"type\":\"array\"}}]"));
        assertEquals(ErrorCode.INVALID_EVENT, toolsCode("[{\"name\":\"a\",\"parameters\":[]}]"));
        assertEquals(ErrorCode.INVALID_EVENT, toolsCode("[" + "{\"name\":\"t\"},".repeat(ToolSpec.MAX_PER_CLIENT) + "{\"name\":\"u\"}]"));
        assertEquals(ErrorCode.INVALID_EVENT, codeOf("{\"type\":\"tool_result\",\"value\":1}"));
        assertEquals(ErrorCode.INVALID_EVENT, codeOf("{\"type\":\"tool_result\",\"call_id\":\"c\",\"error\":{}}"));
    }

    @Test
    void serverEventsCarryTheEnvelopeFirst() {
        assertEquals("{\"type\":\"token\",\"session\":\"s\",\"seq\":3,\"turn\":1,\"text\":\"hi\"}",
                WireCodec.encodeServer("s", 3, new ServerEvent.Token(1, "hi")));
        assertEquals("{\"type\":\"error\",\"session\":\"s\",\"seq\":4,\"code\":\"bad_json\",\"message\":\"m\"}",
                WireCodec.encodeServer("s", 4, ServerEvent.Error.of(ErrorCode.BAD_JSON, "m")));
    }

    @Test
    void theResumePointOfAnUpgradeIsItsFirstLastSeq() throws ProtocolException {
        assertNull(WireCodec.lastSeqQuery(null));
        assertNull(WireCodec.lastSeqQuery("token=abc&x=1"));
        assertEquals(0L, WireCodec.lastSeqQuery("last_seq=0"));
        assertEquals(42L, WireCodec.lastSeqQuery("a=1&last_seq=42&last_seq=7"));
        assertEquals(9L, WireCodec.lastSeqQuery("last%5Fseq=%39"), "names and values are %-decoded");
    }

    @Test
    void aBadResumePointIsInvalidEvent() {
        for (String query : new String[] {"last_seq", "last_seq=", "last_seq=-1", "last_seq=1.5", "last_seq=abc",
                "last_seq=%zz", "last_seq=99999999999999999999"}) {
            assertEquals(ErrorCode.INVALID_EVENT, assertThrows(ProtocolException.class, () -> WireCodec.lastSeqQuery(query),
                    query).code(), query);
        }
    }
}
