package dev.codeact.queue;

import dev.codeact.config.CodeactConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.security.SecureRandom;
import java.util.HexFormat;

/** This process' name in Redis: its result stream and its consumer name in the worker group. */
@ApplicationScoped
public class InstanceId {

    private final String id;

    public InstanceId(CodeactConfig config) {
        String configured = config.instanceId();
        if (configured.isBlank()) {
            byte[] random = new byte[6];
            new SecureRandom().nextBytes(random);
            configured = "i-" + HexFormat.of().formatHex(random);
        }
        this.id = configured;
    }

    public String get() {
        return id;
    }
}
