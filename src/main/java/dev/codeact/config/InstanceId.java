package dev.codeact.config;

import dev.codeact.config.CodeactConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.security.SecureRandom;
import java.util.HexFormat;

/** This process' name in Redis: its result stream and its consumer name in the worker group. */
@ApplicationScoped
public class InstanceId {

    private final String id;

    public InstanceId(CodeactConfig config) {
        this.id = config.instanceId().filter(s -> !s.isBlank()).orElseGet(() -> {
            byte[] random = new byte[6];
            new SecureRandom().nextBytes(random);
            return "i-" + HexFormat.of().formatHex(random);
        });
    }

    public String get() {
        return id;
    }
}
