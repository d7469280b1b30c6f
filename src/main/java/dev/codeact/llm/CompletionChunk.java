package dev.codeact.llm;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import dev.codeact.contract.Usage;
import dev.codeact.contract.WireJson;
import java.io.IOException;

/**
 * What the relay uses of one streamed chat-completion chunk: the first choice's content delta and
 * finish reason, the usage, an error. Read with a streaming parser that skips everything else
 * (logprobs, tool calls, ids), since this runs once per token and a tree of the whole chunk would
 * be built only to be dropped.
 *
 * @param error the server's error object (non-null when the chunk reports one)
 */
record CompletionChunk(String content, String finishReason, Usage usage, JsonNode error) {

    /** The chunk was JSON, but not an object. */
    static final class NotAnObject extends IOException {
        NotAnObject() {
            super("not a JSON object", null);
        }
    }

    /** @throws NotAnObject when the data is JSON but not an object; IOException when it is not JSON */
    static CompletionChunk read(String data) throws IOException {
        String content = null;
        String finishReason = null;
        Usage usage = null;
        JsonNode error = null;
        try (JsonParser p = WireJson.MAPPER.createParser(data)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new NotAnObject();
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if ("choices".equals(name) && value == JsonToken.START_ARRAY) {
                    boolean first = true;
                    while (p.nextToken() != JsonToken.END_ARRAY) {
                        if (first && p.currentToken() == JsonToken.START_OBJECT) {
                            String[] choice = readChoice(p);
                            content = choice[0];
                            finishReason = choice[1];
                        } else {
                            p.skipChildren();
                        }
                        first = false;
                    }
                } else if ("usage".equals(name) && value == JsonToken.START_OBJECT) {
                    usage = readUsage(p);
                } else if ("error".equals(name) && value != JsonToken.VALUE_NULL) {
                    error = WireJson.MAPPER.readTree(p);
                } else {
                    p.skipChildren();
                }
            }
        }
        return new CompletionChunk(content, finishReason, usage, error);
    }

    /** The parser is on the choice's START_OBJECT; returns {content, finish_reason}. */
    private static String[] readChoice(JsonParser p) throws IOException {
        String[] out = new String[2];
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken value = p.nextToken();
            if ("delta".equals(name) && value == JsonToken.START_OBJECT) {
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    JsonToken v = p.nextToken();
                    if ("content".equals(field) && v == JsonToken.VALUE_STRING) {
                        out[0] = p.getText();
                    } else {
                        p.skipChildren();
                    }
                }
            } else if ("finish_reason".equals(name) && value != JsonToken.VALUE_NULL && value.isScalarValue()) {
                out[1] = p.getText();
            } else {
                p.skipChildren();
            }
        }
        return out;
    }

    private static Usage readUsage(JsonParser p) throws IOException {
        long prompt = 0;
        long completion = 0;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken value = p.nextToken();
            if ("prompt_tokens".equals(name) && value.isNumeric()) {
                prompt = p.getValueAsLong();
            } else if ("completion_tokens".equals(name) && value.isNumeric()) {
                completion = p.getValueAsLong();
            } else {
                p.skipChildren();
            }
        }
        return new Usage(prompt, completion);
    }
}
