package dev.codeact.contract;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.UncheckedIOException;

/**
 * Redis payloads: each stream entry has one field {@value #FIELD} holding versioned JSON. Gateway
 * and worker both go through here, so the format cannot drift between them.
 */
public final class QueueCodec {

    public static final int VERSION = 1;
    public static final String FIELD = "p";

    private QueueCodec() {}

    public static String encode(Object payload) {
        try {
            return WireJson.MAPPER.writeValueAsString(payload);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @throws IllegalArgumentException on malformed JSON, a missing field or another version */
    public static <T> T decode(String json, Class<T> type) {
        if (json == null) {
            throw new IllegalArgumentException("entry has no field '" + FIELD + "'");
        }
        T value;
        try {
            value = WireJson.MAPPER.readValue(json, type);
        } catch (JsonProcessingException e) {
            Throwable cause = e.getCause() instanceof IllegalArgumentException iae ? iae : e;
            throw new IllegalArgumentException("bad " + type.getSimpleName() + " payload: " + cause.getMessage(), e);
        }
        int v = value instanceof Job j ? j.v() : value instanceof Result r ? r.v()
                : value instanceof ToolReply t ? t.v() : VERSION;
        if (v != VERSION) {
            throw new IllegalArgumentException("unsupported payload version " + v + " (this build speaks " + VERSION + ")");
        }
        return value;
    }

    static void require(String value, String name) {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException(name + " is required");
        }
    }
}
