package dev.codeact.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** A result on Redis decodes to the one kind it says it is, or is refused with why. */
class QueueCodecTest {

    static final String HEAD = "{\"v\":1,\"session\":\"s-1\",\"job_id\":\"a-1\",\"worker\":\"w\",\"n\":1,\"attempt\":1,";

    @Test
    void eachKindComesBackAsItsOwnRecord() {
        Result chunk = Result.chunk("s-1", "a-1", "w", "stderr", "x").numbered(1, 3);
        assertEquals(chunk, QueueCodec.decode(QueueCodec.encode(chunk), Result.class));
        assertTrue(QueueCodec.encode(chunk).contains("\"kind\":\"chunk\""), QueueCodec.encode(chunk));
        Result call = Result.toolCall("s-1", "a-1", "w", new ToolCall("c-1", "search", WireJson.MAPPER.createObjectNode()));
        assertInstanceOf(Result.ToolCalled.class, QueueCodec.decode(QueueCodec.encode(call), Result.class));
        Result done = QueueCodec.decode(HEAD + "\"kind\":\"observation\",\"result\":{\"output\":\"1\\n\"}}", Result.class);
        assertEquals("1\n", assertInstanceOf(Result.Observation.class, done).result().output());
    }

    @Test
    void anUnknownKindAMissingPartOrAnotherVersionIsRefused() {
        String unknown = assertThrows(IllegalArgumentException.class,
                () -> QueueCodec.decode(HEAD + "\"kind\":\"shout\",\"text\":\"x\"}", Result.class)).getMessage();
        assertTrue(unknown.contains("shout"), unknown);
        String noKind = assertThrows(IllegalArgumentException.class,
                () -> QueueCodec.decode(HEAD + "\"stream\":\"stdout\",\"text\":\"x\"}", Result.class)).getMessage();
        assertTrue(noKind.contains("kind"), noKind);
        assertThrows(IllegalArgumentException.class,
                () -> QueueCodec.decode(HEAD + "\"kind\":\"chunk\",\"stream\":\"stdin\",\"text\":\"x\"}", Result.class));
        assertThrows(IllegalArgumentException.class, () -> QueueCodec.decode(HEAD + "\"kind\":\"observation\"}", Result.class));
        String version = assertThrows(IllegalArgumentException.class, () -> QueueCodec.decode(
                HEAD.replace("\"v\":1", "\"v\":2") + "\"kind\":\"chunk\",\"stream\":\"stdout\",\"text\":\"x\"}", Result.class)).getMessage();
        assertTrue(version.contains("version 2"), version);
    }
}
