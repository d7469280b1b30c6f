package dev.codeact.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import jakarta.validation.constraints.Pattern;
import java.util.Optional;
import java.util.Set;

/** Top-level knobs: which roles this process plays and where its Redis keys live. */
@ConfigMapping(prefix = "codeact")
public interface CodeactConfig {

    enum Role { GATEWAY, WORKER }

    /** Roles of this process: {@code gateway}, {@code worker}, or both (the one-machine default). */
    @WithDefault("gateway,worker")
    Set<Role> roles();

    /** Prefix of every Redis key; the contract in docs/redis.md is written for the default. */
    @WithDefault("codeact:")
    String keyPrefix();

    /**
     * Name of this instance in Redis (result stream, consumer name), in its state folder and in its
     * sandboxes' names (so also their cgroups); random when empty.
     */
    Optional<@Pattern(regexp = "[A-Za-z0-9][A-Za-z0-9_.-]{0,47}",
            message = "letters, digits, '_', '.' and '-', at most 48") String> instanceId();

    default boolean gateway() {
        return roles().contains(Role.GATEWAY);
    }

    default boolean worker() {
        return roles().contains(Role.WORKER);
    }
}
