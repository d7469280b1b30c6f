package dev.codeact.contract;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The one JSON configuration of every wire format (WebSocket events, Redis payloads, kernel
 * frames): snake_case names, absent fields omitted. Kept apart from the application's
 * ObjectMapper so that a change to REST settings cannot change the protocol.
 */
public final class WireJson {

    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .serializationInclusion(JsonInclude.Include.NON_NULL)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private WireJson() {}

    /**
     * Builds and caches the (de)serializer of every wire type now. Built on first use instead,
     * they cost an event loop tens of milliseconds per type, seconds on a loaded machine: a
     * gateway's first result blocked its event loop for 2 s in a run under load.
     */
    public static void warmUp() {
        for (Class<?> type : WireTypes.class.getAnnotation(RegisterForReflection.class).targets()) {
            if (type != WireTypes.class) {
                MAPPER.readerFor(type);
                MAPPER.writerFor(type);
            }
        }
    }
}
