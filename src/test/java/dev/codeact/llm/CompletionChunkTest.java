package dev.codeact.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.codeact.contract.Usage;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class CompletionChunkTest {

    @Test
    void takesTheFirstChoicesDeltaAndFinishReasonAndSkipsTheRest() throws IOException {
        CompletionChunk chunk = CompletionChunk.read("""
                {"id":"x","object":"chat.completion.chunk","choices":[{"index":0,"logprobs":{"content":[{"token":"a",
                "top_logprobs":[{"token":"b"}]}]},"delta":{"role":"assistant","content":"Hel","tool_calls":[{"id":"t"}]},
                "finish_reason":null},{"index":1,"delta":{"content":"other"},"finish_reason":"stop"}],"system_fingerprint":null}""");
        assertEquals("Hel", chunk.content());
        assertNull(chunk.finishReason(), "the second choice is not ours");
        assertNull(chunk.usage());
        assertNull(chunk.error());
    }

    @Test
    void readsTheFinishReasonAndTheUsageOfTheLastChunk() throws IOException {
        CompletionChunk chunk = CompletionChunk.read("""
                {"choices":[{"index":0,"delta":{},"finish_reason":"length"}],
                 "usage":{"prompt_tokens":12,"completion_tokens":34,"total_tokens":46,"prompt_tokens_details":{"cached_tokens":0}}}""");
        assertNull(chunk.content());
        assertEquals("length", chunk.finishReason());
        assertEquals(new Usage(12, 34), chunk.usage());
    }

    @Test
    void anErrorObjectIsKeptWhole() throws IOException {
        CompletionChunk chunk = CompletionChunk.read("{\"error\":{\"message\":\"overloaded\",\"code\":503}}");
        assertEquals("overloaded", chunk.error().get("message").asText());
        assertNull(CompletionChunk.read("{\"error\":null,\"choices\":[]}").error());
    }

    @Test
    void contentOfAnotherTypeIsNoContent() throws IOException {
        assertNull(CompletionChunk.read("{\"choices\":[{\"delta\":{\"content\":null}}]}").content());
        assertNull(CompletionChunk.read("{\"choices\":[{\"delta\":{\"content\":[\"a\"]}}]}").content());
        assertNull(CompletionChunk.read("{\"choices\":\"none\"}").content());
    }

    @Test
    void notAnObjectAndNotJsonAreToldApart() {
        assertThrows(CompletionChunk.NotAnObject.class, () -> CompletionChunk.read("[1,2]"));
        assertThrows(CompletionChunk.NotAnObject.class, () -> CompletionChunk.read(""));
        IOException broken = assertThrows(IOException.class, () -> CompletionChunk.read("{\"choices\":[{"));
        assertEquals(false, broken instanceof CompletionChunk.NotAnObject);
    }
}
