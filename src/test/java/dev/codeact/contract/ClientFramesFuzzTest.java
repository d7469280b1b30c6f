package dev.codeact.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.codeact.testing.FuzzedFrames;
import java.util.EnumMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The codec alone against hostile frames, at a volume the socket test (FuzzFramesTest, which
 * also checks the connection and session stay usable) cannot afford: every frame parses to an
 * event or is refused with one of the client's error codes — never another exception.
 */
class ClientFramesFuzzTest {

    static final long SEED = 20261207L;
    static final int FRAMES = 50_000;
    static final int MAX_FRAME = 65_536;
    static final Set<ErrorCode> CODES = Set.of(ErrorCode.BAD_JSON, ErrorCode.INVALID_EVENT, ErrorCode.UNKNOWN_TYPE,
            ErrorCode.FRAME_TOO_LARGE);

    @Test
    void everyFuzzedFrameParsesOrIsRefusedWithAClientCode() {
        Random random = new Random(SEED);
        Map<ErrorCode, Integer> refused = new EnumMap<>(ErrorCode.class);
        int parsed = 0;
        for (int i = 0; i < FRAMES; i++) {
            String frame = FuzzedFrames.frame(random);
            try {
                assertNotNull(WireCodec.parseClient(frame, MAX_FRAME, MAX_FRAME));
                parsed++;
            } catch (ProtocolException e) {
                assertTrue(CODES.contains(e.code()), "frame " + i + " (seed " + SEED + "): " + e.code());
                assertNotNull(e.getMessage());
                refused.merge(e.code(), 1, Integer::sum);
            } catch (RuntimeException | StackOverflowError e) {
                fail("frame " + i + " (seed " + SEED + ") broke the codec: " + frame.substring(0, Math.min(200, frame.length())), e);
            }
        }
        // The generator reaches each way in and each refusal; a change that made it miss them would make this test idle.
        assertTrue(parsed > FRAMES / 50, "some frames were events: " + parsed);
        assertEquals(CODES, refused.keySet(), "every client code was seen: " + refused);
    }

    @Test
    void deepNestingIsBadJsonNotAStackOverflow() {
        ProtocolException e = assertThrows(ProtocolException.class,
                () -> WireCodec.parseClient("[".repeat(60_000) + "]".repeat(60_000), 1 << 20, 1 << 20));
        assertEquals(ErrorCode.BAD_JSON, e.code());
        e = assertThrows(ProtocolException.class, () -> WireCodec.parseClient("{\"type\":\"ping\",\"id\":"
                + "[".repeat(5_000) + "]".repeat(5_000) + "}", 1 << 20, 1 << 20));
        assertEquals(ErrorCode.BAD_JSON, e.code());
    }

    @Test
    void oddNumbersAreRefusedWhereAnIntegerIsDue() {
        for (String seq : new String[] {"1e309", "-1", "99999999999999999999999999999999", "1.5", "true", "null"}) {
            ProtocolException e = assertThrows(ProtocolException.class,
                    () -> WireCodec.parseClient("{\"type\":\"resume\",\"last_seq\":" + seq + "}", 1000, 1000), seq);
            assertEquals(ErrorCode.INVALID_EVENT, e.code(), seq);
        }
        ProtocolException e = assertThrows(ProtocolException.class, () -> WireCodec.parseClient(
                "{\"type\":\"user_message\",\"text\":\"hi\",\"options\":{\"max_tokens\":1e400}}", 1000, 1000));
        assertEquals(ErrorCode.INVALID_EVENT, e.code());
    }
}
