package dev.codeact.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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

    @Test
    void serverEventsCarryTheEnvelopeFirst() {
        assertEquals("{\"type\":\"token\",\"session\":\"s\",\"seq\":3,\"turn\":1,\"text\":\"hi\"}",
                WireCodec.encodeServer("s", 3, new ServerEvent.Token(1, "hi")));
        assertEquals("{\"type\":\"error\",\"session\":\"s\",\"seq\":4,\"code\":\"bad_json\",\"message\":\"m\"}",
                WireCodec.encodeServer("s", 4, ServerEvent.Error.of(ErrorCode.BAD_JSON, "m")));
    }
}
